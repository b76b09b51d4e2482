/**
 * The machine as setup and doctor see it: home directory, platform, environment, the data
 * dir, a way to run a program (never through a shell), and the system trust locations.
 * Everything is passed in, so tests use a temporary HOME and never touch the real system.
 * Programs run asynchronously: the engine serves the window's Setup view from here and must
 * keep proxying meanwhile.
 */
import { execFile } from 'node:child_process';
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
  run(cmd: string, args: string[]): Promise<RunResult>;
  system: {
    /** Where local CAs go for update-ca-certificates (Debian/Ubuntu). */
    caCertificatesDir: string;
    /** The bundles OpenSSL-based clients read (the first that exists is checked). */
    caBundleFiles: string[];
  };
}

export function runProgram(cmd: string, args: string[]): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = execFile(cmd, args, { encoding: 'utf8', timeout: 60_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (!err) return resolve({ code: 0, stdout, stderr, missing: false });
      const e = err as NodeJS.ErrnoException & { code?: string | number };
      if (e.code === 'ENOENT') return resolve({ code: null, stdout: '', stderr: `${cmd} is not installed`, missing: true });
      resolve({ code: typeof e.code === 'number' ? e.code : 1, stdout: String(stdout ?? ''), stderr: String(stderr || e.message), missing: false });
    });
    child.stdin?.end();
  });
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
