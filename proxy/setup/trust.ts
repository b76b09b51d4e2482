/**
 * Trusting the Witness root where clients look, for TLS server authentication only:
 *  - Linux, per user: the NSS database ~/.pki/nssdb (Chrome, Chromium; created when
 *    missing), via certutil with trust "C,," (a CA for TLS servers; nothing for e-mail or
 *    code signing). No sudo needed, so `witness setup trust` does it.
 *  - Linux, system-wide: ca-certificates (/usr/local/share/ca-certificates +
 *    update-ca-certificates), read by VS Code's system certificates, curl, git…; needs
 *    root: done with --system when running as root, else the exact sudo lines are printed.
 *  - macOS / Windows: the exact `security` / PowerShell command for the user's store,
 *    run with --system on that OS.
 * Also the read side for `witness doctor`: is each root in each store, with which trust.
 */
import { existsSync, readFileSync } from 'node:fs';
import { trustCommands, type TrustStoreKind } from '../ca/index.js';
import { join } from 'node:path';
import type { CommandStep, FileChange } from './changes.js';
import { commandLine } from './changes.js';
import { fingerprints, type RootCert, type SetupContext } from './context.js';
import type { HostEnv } from './host.js';
import { nssDbDir, setupPaths } from './locations.js';

export type NssState = { kind: 'no-certutil' } | { kind: 'no-db'; dir: string } | { kind: 'db'; dir: string; roots: Array<{ root: RootCert; trust: string | null }> };

/** Nicknames and trust flags ("C,,") listed by `certutil -L`. */
export function parseCertutilList(out: string): Array<{ nickname: string; trust: string }> {
  const rows: Array<{ nickname: string; trust: string }> = [];
  for (const line of out.split('\n')) {
    const m = /^(.*\S)\s+([a-zA-Z]*,[a-zA-Z]*,[a-zA-Z]*)\s*$/.exec(line);
    if (m && m[1] !== 'Certificate Nickname') rows.push({ nickname: m[1]!, trust: m[2]! });
  }
  return rows;
}

/** Whether each root is in the user's NSS database, and its trust flags (null: absent). */
export async function nssState(h: HostEnv, roots: RootCert[], dir = nssDbDir(h)): Promise<NssState> {
  if (!existsSync(join(dir, 'cert9.db'))) return (await h.run('certutil', ['-H'])).missing ? { kind: 'no-certutil' } : { kind: 'no-db', dir };
  const list = await h.run('certutil', ['-L', '-d', `sql:${dir}`]);
  if (list.missing) return { kind: 'no-certutil' };
  const rows = parseCertutilList(list.stdout);
  const result: Array<{ root: RootCert; trust: string | null }> = [];
  for (const root of roots) {
    // By name first (how setup adds it), then any other entry holding the same certificate.
    const candidates = [...rows.filter((r) => r.nickname === root.name), ...rows.filter((r) => r.nickname !== root.name)];
    let trust: string | null = null;
    for (const r of candidates) {
      const pem = await h.run('certutil', ['-L', '-d', `sql:${dir}`, '-n', r.nickname, '-a']);
      if (pem.code === 0 && fingerprints(pem.stdout).has(root.fingerprint256)) {
        trust = r.trust;
        break;
      }
    }
    result.push({ root, trust });
  }
  return { kind: 'db', dir, roots: result };
}

/** "C" in the SSL field: trusted to issue TLS server certificates. */
export function nssTrustsForTls(trust: string | null): boolean {
  return trust !== null && /C/.test(trust.split(',')[0] ?? '');
}

/** The first system bundle that exists, and whether it holds each root. */
export function systemBundleState(h: HostEnv, roots: RootCert[]): { file: string; has: boolean[] } | null {
  const file = h.system.caBundleFiles.find((f) => existsSync(f));
  if (!file) return null;
  const fps = fingerprints(readFileSync(file, 'utf8'));
  return { file, has: roots.map((r) => fps.has(r.fingerprint256)) };
}

/** The CA's own server-auth-only install command for one store (one definition for setup, doctor and the docs). */
function installArgv(store: TrustStoreKind, h: HostEnv, root: RootCert, pemFile: string, nssDbDir?: string): string[] {
  const c = trustCommands(pemFile, { homeDir: h.home, nickname: root.name, ...(nssDbDir ? { nssDbDir } : {}) }).find((t) => t.store === store);
  return c!.argv;
}

export function nssAddCommand(h: HostEnv, dbDir: string, root: RootCert, pemFile: string): string[] {
  return installArgv('nss', h, root, pemFile, dbDir);
}

function systemCrtFile(h: HostEnv, i: number): string {
  return join(h.system.caCertificatesDir, i === 0 ? 'witness-copilot-audit-ca.crt' : `witness-copilot-audit-ca-${i + 1}.crt`);
}

export async function planTrust(ctx: SetupContext): Promise<{ files: FileChange[]; commands: CommandStep[]; notes: string[] }> {
  const { h } = ctx;
  const paths = setupPaths(h.dataDir);
  const files: FileChange[] = ctx.roots.map((r, i) => ({ path: paths.caPem(i), after: r.pem, mode: 0o644, owned: true }));
  const commands: CommandStep[] = [];
  const notes: string[] = [];

  if (h.platform === 'linux') {
    const nss = await nssState(h, ctx.roots);
    if (nss.kind === 'no-certutil') {
      notes.push('NSS (Chrome/Chromium): certutil is not installed. Install it (Debian/Ubuntu: sudo apt install libnss3-tools; Fedora: sudo dnf install nss-tools) and run `witness setup trust` again.');
    } else {
      const dir = nss.kind === 'db' ? nss.dir : nss.dir;
      if (nss.kind === 'no-db') {
        commands.push({
          what: `create the NSS database ${dir}`,
          argv: ['certutil', '-N', '-d', `sql:${dir}`, '--empty-password'],
          undo: { removeFiles: ['cert9.db', 'key4.db', 'pkcs11.txt'].map((f) => join(dir, f)) },
        });
      }
      ctx.roots.forEach((root, i) => {
        const have = nss.kind === 'db' ? nss.roots[i]!.trust : null;
        if (nssTrustsForTls(have)) return;
        const argv = nssAddCommand(h, dir, root, paths.caPem(i));
        commands.push({ what: `trust ${root.name} for TLS servers in ${dir}`, argv, undo: { argv: ['certutil', '-D', '-d', `sql:${dir}`, '-n', root.name] } });
      });
    }
    const bundle = systemBundleState(h, ctx.roots);
    const missing = ctx.roots.map((r, i) => ({ r, i })).filter(({ i }) => !bundle?.has[i]);
    if (missing.length) {
      const hasUpdater = existsSync(h.system.caCertificatesDir) || !(await h.run('update-ca-certificates', ['--help'])).missing;
      if (ctx.system && h.isRoot && hasUpdater) {
        for (const { r, i } of missing) files.push({ path: systemCrtFile(h, i), after: r.pem, mode: 0o644 });
        commands.push({ what: 'rebuild the system CA bundle', argv: ['update-ca-certificates'], undo: { argv: ['update-ca-certificates', '--fresh'] } });
      } else if (hasUpdater) {
        notes.push(
          'System store (VS Code with http.systemCertificates, curl, git): needs root. Run:',
          ...missing.map(({ i }) => `  sudo install -m 644 ${paths.caPem(i)} ${systemCrtFile(h, i)}`),
          '  sudo update-ca-certificates',
          `(or \`sudo witness setup trust --system --data-dir ${h.dataDir}\`)`,
        );
      } else {
        notes.push('System store: no update-ca-certificates here. Fedora/RHEL: sudo cp ' + paths.caPem(0) + ' /etc/pki/ca-trust/source/anchors/ && sudo update-ca-trust');
      }
    }
  } else if (h.platform === 'darwin') {
    ctx.roots.forEach((root, i) => {
      const argv = installArgv('macos', h, root, paths.caPem(i));
      if (ctx.system) commands.push({ what: `trust ${root.name} for SSL in the login keychain`, argv, undo: { argv: ['security', 'remove-trusted-cert', paths.caPem(i)] } });
      else notes.push(`macOS login keychain (SSL only): ${commandLine(argv)}   (or run \`witness setup trust --system\`)`);
    });
  } else if (h.platform === 'win32') {
    ctx.roots.forEach((root, i) => {
      // Import, then limit the store entry's purposes to Server Authentication.
      const argv = installArgv('windows', h, root, paths.caPem(i));
      if (ctx.system) commands.push({ what: `trust ${root.name} in CurrentUser\\Root for Server Authentication only`, argv, undo: { argv: ['certutil', '-user', '-delstore', 'Root', root.name] } });
      else notes.push(`Windows CurrentUser\\Root (Server Authentication only), in PowerShell:\n${argv[argv.length - 1]}\n(or run \`witness setup trust --system\`)`);
    });
  }
  notes.push(`Node-based clients do not read these stores: \`witness setup node-ca\` covers them.`);
  return { files, commands, notes };
}
