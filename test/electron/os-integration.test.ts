/** OS integration in plain modules: process trees, start at login, the engine command line, settings. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyLinuxAutostart, linuxAutostartEntry, linuxAutostartPath, startAtLogin } from '../../electron/core/autostart.js';
import { endpointFor, engineCommand, findRunningEngine } from '../../electron/core/engine-launch.js';
import { descendantsOf, parsePsTable, processTreeOps } from '../../electron/core/process-tree.js';
import { loadSettings, saveSettings } from '../../electron/core/shell-settings.js';
import { ENGINE_V8_FLAGS } from '../../proxy/gc-tuning.js';
import { startFakeUpstream } from '../helpers/fake-upstream.js';
import { startTestEngine } from '../helpers/engine.js';

describe('process tree', () => {
  // `ps -A -o pid=,ppid=` as printed on Debian 12.
  const PS = `    1     0\n  812     1\n  900   812\n  901   900\n  902   900\n  950     1\n 1200   901\n`;
  it('finds children and grandchildren, not siblings', () => {
    expect(descendantsOf(812, parsePsTable(PS))).toEqual([900, 901, 902, 1200]);
    expect(descendantsOf(950, parsePsTable(PS))).toEqual([]);
  });

  it('lists Windows processes through PowerShell and kills each by pid', async () => {
    const calls: Array<[string, string[]]> = [];
    const ops = processTreeOps(
      'win32',
      async (file, args) => {
        calls.push([file, args]);
        return { stdout: '4 0\r\n700 4\r\n701 700\r\n', code: 0 };
      },
      () => undefined,
    );
    expect(await ops.descendants(700)).toEqual([701]);
    ops.forceKill([701]);
    expect(calls[0]![0]).toBe('powershell.exe');
    expect(calls[1]).toEqual(['taskkill.exe', ['/PID', '701', '/F']]);
  });
});

describe('start at login', () => {
  it('is on by default, the user may turn it off, and IT may decide and lock it', () => {
    expect(startAtLogin('user', false, undefined)).toEqual({ enabled: true, locked: false });
    expect(startAtLogin('user', false, false)).toEqual({ enabled: false, locked: false });
    expect(startAtLogin('never', true, true)).toEqual({ enabled: false, locked: true });
    expect(startAtLogin('always', true, false)).toEqual({ enabled: true, locked: true });
    // Set in the user's own policy file: only a default, the tray choice wins.
    expect(startAtLogin('never', false, undefined)).toEqual({ enabled: false, locked: false });
    expect(startAtLogin('never', false, true)).toEqual({ enabled: true, locked: false });
  });

  it('writes and removes an XDG autostart entry on Linux (the AppImage itself when run as one)', () => {
    const home = mkdtempSync(join(tmpdir(), 'witness-home-'));
    const file = linuxAutostartPath({}, home);
    expect(file).toBe(join(home, '.config', 'autostart', 'witness-desktop.desktop'));
    expect(linuxAutostartPath({ XDG_CONFIG_HOME: '/cfg' }, home)).toBe('/cfg/autostart/witness-desktop.desktop');
    const entry = linuxAutostartEntry('/opt/Witness/witness-desktop', {});
    expect(entry).toContain('Exec="/opt/Witness/witness-desktop" --autostart\n');
    expect(linuxAutostartEntry('/tmp/.mount_x/witness', { APPIMAGE: '/home/a/Apps/Witness $1.AppImage' })).toContain('Exec="/home/a/Apps/Witness \\$1.AppImage" --autostart');
    const files = new Map<string, string>();
    const fs = { exists: (f: string) => files.has(f), write: (f: string, t: string) => void files.set(f, t), remove: (f: string) => void files.delete(f) };
    applyLinuxAutostart(true, file, entry, fs);
    expect(files.get(file)).toBe(entry);
    applyLinuxAutostart(false, file, entry, fs);
    expect(files.has(file)).toBe(false);
  });
});

describe('engine command and discovery', () => {
  it('runs the CLI launcher in the bundle with the engine\'s V8 flags and no Electron switches', () => {
    const cmd = engineCommand('/opt/Witness/resources/app.asar', { PATH: '/usr/bin', ELECTRON_RUN_AS_NODE: '1', WITNESS_DATA_DIR: '/d' });
    expect(cmd).toEqual({
      modulePath: '/opt/Witness/resources/app.asar/bin/witness.js',
      args: ['start', '--json'],
      execArgv: [ENGINE_V8_FLAGS],
      env: { PATH: '/usr/bin', WITNESS_DATA_DIR: '/d' },
    });
  });

  it('takes the endpoint from control.json only when it names the engine that started', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'witness-control-'));
    const read = (f: string) => readFile(f, 'utf8');
    writeFileSync(join(dir, 'control.json'), JSON.stringify({ version: 1, pid: 77, url: 'http://127.0.0.1:5', token: 'tok', proxyUrl: 'http://127.0.0.1:6', startedAt: 'now' }));
    expect(await endpointFor({ event: 'started', pid: 77, dataDir: dir }, read)).toEqual({ url: 'http://127.0.0.1:5', token: 'tok' });
    expect(await endpointFor({ event: 'started', pid: 78, dataDir: dir }, read)).toBeNull();
    expect(await endpointFor({ event: 'started', pid: 77, dataDir: join(dir, 'missing') }, read)).toBeNull();
    writeFileSync(join(dir, 'control.json'), '{"version":1');
    expect(await endpointFor({ event: 'started', pid: 77, dataDir: dir }, read)).toBeNull();
  });

  it('attaches only to a live engine that answers with its token', async () => {
    const upstream = await startFakeUpstream();
    const t = await startTestEngine(upstream);
    try {
      const deps = { read: (f: string) => readFile(f, 'utf8'), env: { WITNESS_DATA_DIR: t.dataDir }, platform: 'linux' as const, home: '/h' };
      expect(await findRunningEngine({ ...deps, isAlive: () => true })).toEqual({
        pid: process.pid,
        dataDir: t.dataDir,
        endpoint: { url: t.engine.controlUrl, token: t.engine.controlToken },
        external: true,
      });
      // A dead pid, or a control.json whose token the engine does not take: not ours to attach to.
      expect(await findRunningEngine({ ...deps, isAlive: () => false })).toBeNull();
      const control = join(t.dataDir, 'control.json');
      const real = readFileSync(control, 'utf8');
      writeFileSync(control, real.replace(t.engine.controlToken, 'stale-token'));
      expect(await findRunningEngine({ ...deps, isAlive: () => true })).toBeNull();
      writeFileSync(control, real);
    } finally {
      await t.stop();
      await upstream.close();
    }
  });
});

describe('shell settings', () => {
  it('round-trips and treats a missing or broken file as defaults', () => {
    const files = new Map<string, string>();
    const fs = { read: (f: string) => files.get(f) ?? (() => { throw new Error('ENOENT'); })(), write: (f: string, t: string) => void files.set(f, t) };
    expect(loadSettings('s.json', fs)).toEqual({});
    saveSettings('s.json', { startAtLogin: false }, fs);
    expect(loadSettings('s.json', fs)).toEqual({ startAtLogin: false });
    files.set('s.json', '{"startAtLogin":"yes"}');
    expect(loadSettings('s.json', fs)).toEqual({});
  });
});

