/**
 * The desktop app's electron-builder configuration, as code. One function gives the
 * configuration for a build mode:
 *   release      every target signed and notarized; forceCodeSigning, so an unsigned
 *                artifact cannot come out of it; fuses on (CI runners with network)
 *   unsigned     the same targets for local tries, named "-unsigned" so nobody ships one
 *   smoke        unsigned, with the one fuse Playwright needs to drive the app (Node's
 *                inspector arguments) left on: only for the release workflow's smoke test
 *   placeholder  where the Electron binary cannot be downloaded (this project's CI): the
 *                app is packaged around a placeholder Electron distribution, enough to check
 *                what goes into app.asar, the packaged package.json, the .desktop file and
 *                the post-install script; no fuses (they patch the real binary)
 * Signing material only ever comes from the environment (CSC_LINK/CSC_KEY_PASSWORD, Azure
 * Trusted Signing, APPLE_* for notarization); none is in this file or the repository.
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Configuration } from 'electron-builder';
import { APP_ID, EXECUTABLE_NAME, PRODUCT_NAME } from '../electron/core/app-identity.js';
import { ELECTRON_VERSION } from './electron-version.js';

export type BuildMode = 'release' | 'unsigned' | 'smoke' | 'placeholder';

/**
 * The MSI upgrade code: the same for every version forever, so a new MSI upgrades the old
 * one in place instead of installing beside it.
 */
export const MSI_UPGRADE_CODE = '8E0F3C47-6B2A-4C1E-9D5B-3A7F21C6E940';

export interface ConfigOptions {
  mode: BuildMode;
  env?: NodeJS.ProcessEnv;
  /** The placeholder Electron distribution (placeholder mode). */
  electronDist?: string;
  /** Where the builds are: dist/ (engine and shell) and the UI's; the repository's by default. */
  inputs?: { dist: string; rendererDist: string };
}

export function builderConfig({ mode, env = process.env, electronDist, inputs = { dist: 'dist', rendererDist: 'renderer/dist' } }: ConfigOptions): Configuration {
  if (mode === 'placeholder' && !electronDist) throw new Error('placeholder mode needs electronDist');
  const release = mode === 'release';
  const unsignedTag = mode === 'release' ? '' : mode === 'smoke' ? '-smoke' : '-unsigned';
  const azure = azureSigning(env);
  return {
    appId: APP_ID,
    productName: PRODUCT_NAME,
    copyright: 'Copyright © Witness contributors',
    electronVersion: ELECTRON_VERSION,
    ...(mode === 'placeholder' ? { electronDist } : {}),
    directories: { output: 'release', buildResources: 'build' },
    // The engine and the shell ship compiled; the UI ships built. Nothing else of the repo.
    files: [
      'package.json',
      'bin/witness.js',
      'electron/assets/**/*',
      { from: inputs.dist, to: 'dist', filter: ['proxy/**/*.js', 'electron/**/*.{js,cjs}'] },
      { from: inputs.rendererDist, to: 'renderer/dist', filter: ['**/*', '!**/*.map'] },
      // Dev files, also inside dependencies: sources, maps, type declarations, tool configs.
      '!**/*.map',
      '!**/*.{ts,tsx,mts,cts}',
      '!**/node_modules/@types/**',
      '!**/node_modules/{react,react-dom,scheduler}/**',
      '!**/.{nycrc,nycrc.json,eslintrc,eslintrc.*,editorconfig,npmignore,travis.yml,prettierrc}',
      '!**/{test,tests,__tests__,__mocks__,coverage,.github,docs}/**',
      '!**/{README,CHANGELOG,HISTORY}*',
      '!**/{tsconfig*.json,.eslintrc*,eslint.config.*,.prettierrc*,vitest.config.*}',
    ],
    // react and react-dom are bundled into renderer/dist; the app's node_modules do without them.
    // Linux packages need a homepage: the publisher's, from WITNESS_HOMEPAGE (".invalid" says none was given).
    extraMetadata: {
      main: 'dist/electron/main/index.js',
      author: { name: 'Witness', email: 'witness@localhost' },
      homepage: env.WITNESS_HOMEPAGE ?? 'https://witness.invalid/',
    },
    asar: true,
    // No native modules: nothing to rebuild against Electron's headers (and nothing to download).
    npmRebuild: false,
    nodeGypRebuild: false,
    removePackageScripts: true,
    removePackageKeywords: true,
    // Fuses patch the real Electron binary, which a placeholder distribution is not.
    electronFuses:
      mode === 'placeholder'
        ? null
        : {
            runAsNode: false,
            enableCookieEncryption: true,
            enableNodeOptionsEnvironmentVariable: false,
            enableNodeCliInspectArguments: mode === 'smoke',
            enableEmbeddedAsarIntegrityValidation: true,
            onlyLoadAppFromAsar: true,
            grantFileProtocolExtraPrivileges: false,
            loadBrowserProcessSpecificV8Snapshot: false,
          },
    forceCodeSigning: release,
    // electron-builder fills in ${…}; these are plain strings, not template literals.
    artifactName: '${productName}-${version}' + unsignedTag + '-${arch}.${ext}',

    win: {
      target: ['nsis', 'msi'],
      icon: 'build/icons/icon.png',
      // Azure Trusted Signing when its account is configured, else a certificate from CSC_LINK.
      ...(azure ? { azureSignOptions: azure } : { signtoolOptions: { signingHashAlgorithms: ['sha256'], rfc3161TimeStampServer: 'http://timestamp.digicert.com' } }),
      requestedExecutionLevel: 'asInvoker',
    },
    nsis: {
      // Per-machine, for IT: silent install with `Witness-Setup.exe /S /allusers`.
      oneClick: false,
      perMachine: true,
      allowElevation: true,
      allowToChangeInstallationDirectory: true,
      createStartMenuShortcut: true,
      createDesktopShortcut: false,
      shortcutName: PRODUCT_NAME,
      deleteAppDataOnUninstall: false,
      artifactName: '${productName}-Setup-${version}' + unsignedTag + '.${ext}',
    },
    msi: {
      perMachine: true,
      oneClick: false,
      upgradeCode: MSI_UPGRADE_CODE,
      createStartMenuShortcut: true,
      createDesktopShortcut: false,
      shortcutName: PRODUCT_NAME,
      warningsAsErrors: true,
    },

    mac: {
      target: ['dmg', 'pkg'],
      category: 'public.app-category.developer-tools',
      icon: 'build/icons/icon.png',
      hardenedRuntime: true,
      gatekeeperAssess: false,
      entitlements: 'build/entitlements.mac.plist',
      entitlementsInherit: 'build/entitlements.mac.plist',
      // Tray app: no Dock icon.
      extendInfo: { LSUIElement: true },
      notarize: release,
      minimumSystemVersion: '12.0',
    },
    pkg: {
      // MDM installs it for every user.
      installLocation: '/Applications',
      allowAnywhere: false,
      allowCurrentUserHome: false,
      isRelocatable: false,
      isVersionChecked: true,
      mustClose: [APP_ID],
    },
    dmg: { sign: false },

    linux: {
      target: ['deb', 'rpm', 'AppImage'],
      executableName: EXECUTABLE_NAME,
      icon: 'build/icons/icon.png',
      // The .desktop Categories: the main category, then an additional one.
      category: 'Development;Security',
      synopsis: 'Audits GitHub Copilot traffic on this machine',
      description: 'Witness puts GitHub Copilot traffic under audit: secrets masked, risky agent tool calls held for approval, an encrypted hash-chained audit trail.',
      maintainer: 'Witness <witness@localhost>',
      vendor: 'Witness',
      desktop: { entry: { Name: PRODUCT_NAME, GenericName: 'Copilot audit', StartupWMClass: PRODUCT_NAME, Keywords: 'copilot;audit;proxy;' } },
    },
    deb: {
      packageName: EXECUTABLE_NAME,
      // Replaces electron-builder's default list, so every default is named again.
      depends: ['libgtk-3-0', 'libnotify4', 'libnss3', 'libxss1', 'libxtst6', 'xdg-utils', 'libatspi2.0-0', 'libuuid1', 'libsecret-1-0'],
      recommends: ['libappindicator3-1'],
      priority: 'optional',
    },
    rpm: { packageName: EXECUTABLE_NAME, depends: ['gtk3', 'libnotify', 'nss', 'libXScrnSaver', 'libXtst', 'xdg-utils', 'at-spi2-core', 'libuuid', 'libsecret'] },

    afterSign: release ? (ctx) => requireNotarization(ctx.electronPlatformName, env) : null,
    afterAllArtifactBuild: (result) => writeChecksums(result.artifactPaths),
  };
}

/** Azure Trusted Signing, when its account is set up in the environment (credentials: AZURE_* for EnvironmentCredential). */
function azureSigning(env: NodeJS.ProcessEnv) {
  const endpoint = env.WITNESS_AZURE_SIGNING_ENDPOINT;
  const account = env.WITNESS_AZURE_SIGNING_ACCOUNT;
  const profile = env.WITNESS_AZURE_SIGNING_PROFILE;
  if (!endpoint || !account || !profile) return null;
  return { endpoint, codeSigningAccountName: account, certificateProfileName: profile, publisherName: env.WITNESS_AZURE_SIGNING_PUBLISHER ?? PRODUCT_NAME };
}

/**
 * The notarization hook: a release for macOS must be notarized (Gatekeeper refuses it
 * otherwise, and MDM installs would fail on users' machines), so a release without Apple
 * credentials stops here instead of producing an app nobody can open.
 */
export function requireNotarization(platform: string, env: NodeJS.ProcessEnv): void {
  if (platform !== 'darwin') return;
  const ok = (env.APPLE_API_KEY && env.APPLE_API_KEY_ID && env.APPLE_API_ISSUER) || (env.APPLE_ID && env.APPLE_APP_SPECIFIC_PASSWORD && env.APPLE_TEAM_ID) || (env.APPLE_KEYCHAIN && env.APPLE_KEYCHAIN_PROFILE);
  if (!ok) throw new Error('A macOS release must be notarized: set APPLE_API_KEY, APPLE_API_KEY_ID and APPLE_API_ISSUER (or APPLE_ID, APPLE_APP_SPECIFIC_PASSWORD and APPLE_TEAM_ID).');
}

/** SHA256SUMS next to the artifacts, for IT to check what they deploy. */
function writeChecksums(paths: string[]): string[] {
  const files = paths.filter((p) => !p.endsWith('.blockmap'));
  if (files.length === 0) return [];
  const out = join(dirname(files[0]!), 'SHA256SUMS');
  writeFileSync(out, files.map((f) => `${createHash('sha256').update(readFileSync(f)).digest('hex')}  ${basename(f)}`).join('\n') + '\n');
  return [out];
}
