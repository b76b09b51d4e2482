import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, spawnCli } from '../helpers/cli.js';

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'witness-cli-'));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('witness CLI', () => {
  it('start → status → ca cert → SIGTERM shuts down cleanly', async () => {
    const dataDir = tempDir();
    const run = spawnCli(['start', '--data-dir', dataDir, '--port', '0', '--json']);
    const line = await run.waitFor(/"event":"started"/);
    const started = JSON.parse(line);
    expect(started.proxy.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

    const status = await runCli(['status', '--data-dir', dataDir, '--json']);
    expect(status.code).toBe(0);
    const s = JSON.parse(status.stdout);
    expect(s).toMatchObject({ running: true, pid: run.child.pid, proxy: { url: started.proxy.url } });
    expect(s.control.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(s.ca.fingerprint256).toBe(started.ca.fingerprint256);

    const human = await runCli(['status', '--data-dir', dataDir]);
    expect(human.stdout).toContain(`Proxy        ${started.proxy.url}`);

    const cert = await runCli(['ca', 'cert', '--data-dir', dataDir]);
    expect(cert.code).toBe(0);
    expect(cert.stdout).toMatch(/^-----BEGIN CERTIFICATE-----\n[\s\S]+-----END CERTIFICATE-----\n$/);
    expect(cert.stdout).toBe(readFileSync(join(dataDir, 'ca', 'current.crt.pem'), 'utf8'));

    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    expect(existsSync(join(dataDir, 'control.json'))).toBe(false);

    const after = await runCli(['status', '--data-dir', dataDir, '--json']);
    expect(after.code).toBe(3);
    expect(JSON.parse(after.stdout)).toMatchObject({ running: false, ca: { fingerprint256: started.ca.fingerprint256 } });
  });

  it('prints the proxy address and next steps when started without --json', async () => {
    const dataDir = tempDir();
    const run = spawnCli(['start', '--data-dir', dataDir, '--port', '0']);
    await run.waitFor(/Press Ctrl\+C to stop/);
    expect(run.stdout()).toMatch(/Proxy +http:\/\/127\.0\.0\.1:\d+/);
    expect(run.stdout()).toContain('"http.proxy"');
    expect(run.stdout()).toContain('NODE_EXTRA_CA_CERTS');
    run.child.kill('SIGINT');
    const code = await run.exited;
    expect(code, run.stderr()).toBe(0);
  });

  it('refuses to start twice on one data dir', async () => {
    const dataDir = tempDir();
    const run = spawnCli(['start', '--data-dir', dataDir, '--port', '0', '--json']);
    await run.waitFor(/"event":"started"/);
    const second = await runCli(['start', '--data-dir', dataDir, '--port', '0']);
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(/already running for .* \(pid \d+/);
    expect(second.stderr).toContain('[ALREADY_RUNNING]');
    run.child.kill('SIGTERM');
    await run.exited;
  });

  it('refuses a wrong passphrase (it unlocks the key vault that wraps the store key) and changes nothing', async () => {
    const dataDir = tempDir();
    const created = await runCli(['verify', '--data-dir', dataDir], { env: { WITNESS_STORE_PASSPHRASE: 'correct horse battery' } });
    expect(created.code, created.stderr).toBe(0);
    const keyring = join(dataDir, 'store', 'keyring.json');
    const before = readFileSync(keyring, 'utf8');
    const vaultBefore = readFileSync(join(dataDir, 'keys', 'vault.json'), 'utf8');
    const wrong = await runCli(['verify', '--data-dir', dataDir], { env: { WITNESS_STORE_PASSPHRASE: 'wrong horse battery' } });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/Wrong passphrase for the key vault in .* Nothing was changed\./);
    expect(wrong.stderr).toContain('[VAULT_LOCKED]');
    expect(readFileSync(keyring, 'utf8')).toBe(before);
    expect(readFileSync(join(dataDir, 'keys', 'vault.json'), 'utf8')).toBe(vaultBefore);
  });

  it('says DATA_DIR_UNUSABLE, naming the dir and --data-dir, when it cannot write to the data dir, and leaves it untouched', async () => {
    const dataDir = tempDir();
    // The child must not be able to write there: as root (which writes anywhere) run it as
    // nobody on a root-owned folder; otherwise take the owner's write permission away.
    const asRoot = process.getuid?.() === 0;
    chmodSync(dataDir, asRoot ? 0o755 : 0o500);
    const r = await runCli(['start', '--data-dir', dataDir, '--port', '0'], asRoot ? { uid: 65534, gid: 65534 } : {});
    chmodSync(dataDir, 0o700);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/(EACCES|EPERM|EROFS)/);
    expect(r.stderr).toContain(dataDir);
    expect(r.stderr).toContain('--data-dir');
    expect(r.stderr).toContain('[DATA_DIR_UNUSABLE]');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(readdirSync(dataDir)).toEqual([]);
    expect(statSync(dataDir).mode & 0o777).toBe(0o700);
  });

  it('says STORE_READ_ONLY when the data dir is writable but its audit store is not', async () => {
    const dataDir = tempDir();
    const store = join(dataDir, 'store');
    mkdirSync(store, { mode: 0o700 });
    const asRoot = process.getuid?.() === 0;
    // As root, hand the data dir to nobody and keep the store folder root's.
    if (asRoot) chownSync(dataDir, 65534, 65534);
    chmodSync(store, asRoot ? 0o755 : 0o500);
    const r = await runCli(['start', '--data-dir', dataDir, '--port', '0'], asRoot ? { uid: 65534, gid: 65534 } : {});
    chmodSync(store, 0o700);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/cannot write to the audit store .* \((EACCES|EPERM|EROFS)\)/);
    expect(r.stderr).toContain('[STORE_READ_ONLY]');
  });

  it('fails at start on a bad config, naming the key and the reason', async () => {
    const dataDir = tempDir();
    const file = join(dataDir, 'bad.json');
    writeFileSync(file, JSON.stringify({ proxy: { host: '0.0.0.0' }, intercept: { hosts: ['*.githubcopilot.com', 'not a host'] }, upstream: { resolv: {} } }));
    const r = await runCli(['start', '--data-dir', dataDir, '--config', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('proxy.host: must be a loopback address');
    expect(r.stderr).toContain('intercept.hosts[1]: must be a DNS name');
    expect(r.stderr).toContain('upstream.resolv: unknown key');
    expect(r.stderr).toContain('[CONFIG_INVALID]');

    writeFileSync(file, '{ "proxy": ');
    const r2 = await runCli(['start', '--data-dir', dataDir, '--config', file]);
    expect(r2.code).toBe(1);
    expect(r2.stderr).toMatch(/is not valid JSON/);
  });

  it('fails clearly when the port is in use', async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const r = await runCli(['start', '--data-dir', tempDir(), '--port', String(port)]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`Port ${port} on 127.0.0.1 is already in use`);
      expect(r.stderr).toContain('[PORT_IN_USE]');
    } finally {
      blocker.close();
    }
  });

  it('policy check validates a document and names the key of each problem', async () => {
    const dir = tempDir();
    const good = join(dir, 'good.json');
    const bad = join(dir, 'bad.json');
    writeFileSync(good, JSON.stringify({ tools: { run_in_terminal: 'ask' }, approvals: { timeoutSeconds: 60 } }));
    writeFileSync(bad, JSON.stringify({ approvals: { onTimeout: 'maybe' } }));
    expect((await runCli(['policy', 'check', good])).code).toBe(0);
    const r = await runCli(['policy', 'check', bad]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('approvals.onTimeout');
    const show = JSON.parse((await runCli(['policy', 'show', '--json', '--data-dir', dir])).stdout);
    expect(show.source['approvals.timeoutSeconds']).toBe('default');
  });

  it('rejects unknown flags and bad ports with usage errors', async () => {
    expect((await runCli(['start', '--nope'])).code).toBe(2);
    const r = await runCli(['start', '--port', 'abc']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--port must be a number');
  });
});
