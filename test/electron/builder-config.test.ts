/**
 * The electron-builder configuration, checked against electron-builder's own JSON schema
 * (app-builder-lib/scheme.json, what `build` itself validates with) in every build mode,
 * and the promises it makes to IT: per-machine installers, a stable MSI upgrade code,
 * signing forced for releases, fuses, notarization.
 */
import { createRequire } from 'node:module';
import Ajv from 'ajv';
import { describe, expect, it } from 'vitest';
import { MAC_PREFERENCE_DOMAIN } from '../../proxy/policy/managed/index.js';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { builderConfig, MSI_UPGRADE_CODE, requireNotarization, type BuildMode } from '../../build/electron-builder.config.js';
import { ELECTRON_VERSION } from '../../build/electron-version.js';
import { createPlaceholderElectron } from '../../build/placeholder-electron.js';

const require = createRequire(import.meta.url);
const scheme = require('app-builder-lib/scheme.json') as object;
const ajv = new Ajv({ allErrors: true });
const validate = ajv.compile(scheme);

/** The config as JSON (hooks are functions; the schema allows them wherever it allows a path). */
function errors(config: object): string[] {
  const plain = JSON.parse(JSON.stringify(config, (_k, v: unknown) => (typeof v === 'function' ? 'hook.js' : v))) as object;
  return validate(plain) ? [] : (validate.errors ?? []).map((e) => `${e.dataPath} ${e.message}`);
}

describe('electron-builder configuration', () => {
  for (const mode of ['release', 'unsigned', 'smoke', 'placeholder'] as BuildMode[]) {
    it(`is valid against electron-builder's schema in ${mode} mode`, () => {
      expect(errors(builderConfig({ mode, env: {}, electronDist: '/tmp/placeholder' }))).toEqual([]);
    });
  }

  it('packages the one Electron build/electron-version.ts names, in every mode, and installs no electron package', () => {
    // A stable release: electron-builder downloads it by its tag (v<version>), so no range or prerelease.
    expect(ELECTRON_VERSION).toMatch(/^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$/);
    for (const mode of ['release', 'unsigned', 'smoke', 'placeholder'] as const) expect(builderConfig({ mode, env: {}, electronDist: '/tmp/placeholder' }).electronVersion).toBe(ELECTRON_VERSION);
    const dir = createPlaceholderElectron(join(mkdtempSync(join(tmpdir(), 'witness-placeholder-')), 'electron'), ELECTRON_VERSION);
    try {
      expect(readFileSync(join(dir, 'version'), 'utf8')).toBe(ELECTRON_VERSION);
    } finally {
      rmSync(dirname(dir), { recursive: true, force: true });
    }
    // Its installer needs Node >= 22.12 (issue 18: no engine warnings on Node 20); electron-builder downloads the binary.
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { devDependencies: Record<string, string>; dependencies: Record<string, string> };
    expect(pkg.devDependencies.electron ?? pkg.dependencies.electron).toBeUndefined();
  });

  it('declares the Electron API by hand, in files under 450 lines that say so and name no other version', () => {
    const root = new URL('../../electron/types/electron/', import.meta.url);
    const files = readdirSync(root).filter((f) => f.endsWith('.d.ts'));
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) {
      const text = readFileSync(new URL(f, root), 'utf8');
      expect(text.split('\n').length, f).toBeLessThanOrEqual(450);
      expect(text, f).toMatch(/^\/\/ The subset of Electron's API that Witness uses/);
      expect(text, f).toContain('build/electron-version.ts');
      expect(text, f).not.toMatch(/Electron \d+\.\d+/);
    }
  });

  it('would catch a misspelt key (the check is real)', () => {
    const config = builderConfig({ mode: 'release', env: {} });
    expect(errors({ ...config, nsis: { ...config.nsis, perMachne: true } }).join('\n')).toMatch(/\.nsis should NOT have additional properties/);
    expect(errors({ ...config, win: { ...config.win, certificateFile: 'x.pfx' } }).join('\n')).toMatch(/\.win should NOT have additional properties/);
  });

  it('installs per machine on Windows, silently for IT, with an MSI that upgrades in place', () => {
    const c = builderConfig({ mode: 'release', env: {} });
    expect(c.win?.target).toEqual(['nsis', 'msi']);
    expect(c.nsis).toMatchObject({ oneClick: false, perMachine: true, allowElevation: true });
    expect(c.msi).toMatchObject({ perMachine: true, upgradeCode: MSI_UPGRADE_CODE });
    expect(MSI_UPGRADE_CODE).toMatch(/^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/);
  });

  it('forces code signing for releases only, and marks other builds unsigned', () => {
    expect(builderConfig({ mode: 'release', env: {} }).forceCodeSigning).toBe(true);
    expect(builderConfig({ mode: 'unsigned', env: {} }).forceCodeSigning).toBe(false);
    expect(builderConfig({ mode: 'release', env: {} }).artifactName).toBe('${productName}-${version}-${arch}.${ext}');
    expect(builderConfig({ mode: 'unsigned', env: {} }).artifactName).toBe('${productName}-${version}-unsigned-${arch}.${ext}');
  });

  it('signs Windows with Azure Trusted Signing when its account is configured, else with CSC_LINK\'s certificate', () => {
    const azure = builderConfig({
      mode: 'release',
      env: { WITNESS_AZURE_SIGNING_ENDPOINT: 'https://weu.codesigning.azure.net', WITNESS_AZURE_SIGNING_ACCOUNT: 'acct', WITNESS_AZURE_SIGNING_PROFILE: 'prof' },
    });
    expect(azure.win?.azureSignOptions).toEqual({ endpoint: 'https://weu.codesigning.azure.net', codeSigningAccountName: 'acct', certificateProfileName: 'prof', publisherName: 'Witness' });
    expect(azure.win?.signtoolOptions).toBeUndefined();
    const pfx = builderConfig({ mode: 'release', env: { CSC_LINK: '/secure/cert.p12' } });
    expect(pfx.win?.azureSignOptions).toBeUndefined();
    expect(pfx.win?.signtoolOptions).toMatchObject({ signingHashAlgorithms: ['sha256'] });
    // The certificate itself never goes into the config: electron-builder reads CSC_LINK.
    expect(JSON.stringify(pfx)).not.toContain('/secure/cert.p12');
  });

  it('turns the fuses on (off only around a placeholder Electron, which has none)', () => {
    expect(builderConfig({ mode: 'release', env: {} }).electronFuses).toEqual({
      runAsNode: false,
      enableCookieEncryption: true,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      grantFileProtocolExtraPrivileges: false,
      loadBrowserProcessSpecificV8Snapshot: false,
    });
    expect(builderConfig({ mode: 'placeholder', env: {}, electronDist: '/x' }).electronFuses).toBeNull();
    // Only the smoke-test build lets Playwright attach to the main process.
    expect(builderConfig({ mode: 'smoke', env: {} }).electronFuses).toMatchObject({ enableNodeCliInspectArguments: true, runAsNode: false, onlyLoadAppFromAsar: true });
    expect(builderConfig({ mode: 'smoke', env: {} }).forceCodeSigning).toBe(false);
    expect(() => builderConfig({ mode: 'placeholder', env: {} })).toThrow(/electronDist/);
  });

  it('builds a hardened, notarized macOS pkg and dmg, and refuses a macOS release without notarization credentials', () => {
    const c = builderConfig({ mode: 'release', env: {} });
    expect(c.mac).toMatchObject({ target: ['dmg', 'pkg'], hardenedRuntime: true, notarize: true, extendInfo: { LSUIElement: true } });
    expect(builderConfig({ mode: 'unsigned', env: {} }).mac?.notarize).toBe(false);
    expect(() => requireNotarization('darwin', {})).toThrow(/must be notarized/);
    expect(() => requireNotarization('darwin', { APPLE_API_KEY: 'k.p8', APPLE_API_KEY_ID: 'id', APPLE_API_ISSUER: 'iss' })).not.toThrow();
    expect(() => requireNotarization('win32', {})).not.toThrow();
  });

  it('uses one app id for the bundle, the notification identity and the managed-preferences domain', () => {
    expect(builderConfig({ mode: 'release', env: {} }).appId).toBe(MAC_PREFERENCE_DOMAIN);
  });

  it('builds deb, rpm and AppImage for Linux, keeping electron-builder\'s default dependencies', () => {
    const c = builderConfig({ mode: 'release', env: {} });
    expect(c.linux?.target).toEqual(['deb', 'rpm', 'AppImage']);
    expect(c.deb?.depends).toEqual(expect.arrayContaining(['libgtk-3-0', 'libnotify4', 'libnss3', 'libxss1', 'libxtst6', 'xdg-utils', 'libatspi2.0-0', 'libuuid1', 'libsecret-1-0']));
  });
});
