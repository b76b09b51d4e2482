/**
 * The machine as setup and doctor see it: home directory, platform, environment, the data
 * dir, a way to run a program (never through a shell), and the system trust locations.
 * Everything is passed in, so tests use a temporary HOME and never touch the real system.
 */
import { execFileSync } from 'node:child_process';
import { homedir } from 'node:os';

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** The program is not installed. */
  missing: boolean;
}

export interface HostEnv {
  home: string;
  platform: NodeJS.Platform;
  env: NodeJS.ProcessEnv;
  dataDir: string;
  /** Running as root / elevated: system stores may be written. */
  isRoot: boolean;
  run(cmd: string, args: string[], input?: string): RunResult;
  system: {
    /** Where local CAs go for update-ca-certificates (Debian/Ubuntu). */
    caCertificatesDir: string;
    /** The bundles OpenSSL-based clients read (the first that exists is checked). */
    caBundleFiles: string[];
  };
}

export function runProgram(cmd: string, args: string[], input?: string): RunResult {
  try {
    const stdout = execFileSync(cmd, args, { encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'], input: input ?? '', timeout: 60_000 });
    return { code: 0, stdout, stderr: '', missing: false };
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { status?: number | null; stdout?: string; stderr?: string };
    if (err.code === 'ENOENT') return { code: null, stdout: '', stderr: `${cmd} is not installed`, missing: true };
    return { code: err.status ?? 1, stdout: String(err.stdout ?? ''), stderr: String(err.stderr ?? err.message), missing: false };
  }
}

export function hostEnv(dataDir: string, overrides: Partial<HostEnv> = {}): HostEnv {
  const env = overrides.env ?? process.env;
  return {
    home: overrides.home ?? env.HOME ?? homedir(),
    platform: process.platform,
    env,
    dataDir,
    isRoot: typeof process.getuid === 'function' && process.getuid() === 0,
    run: runProgram,
    system: {
      caCertificatesDir: '/usr/local/share/ca-certificates',
      caBundleFiles: ['/etc/ssl/certs/ca-certificates.crt', '/etc/pki/tls/certs/ca-bundle.crt', '/etc/ssl/cert.pem'],
    },
    ...overrides,
  };
}
