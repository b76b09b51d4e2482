/**
 * The commands that install a Witness root into a trust store for TLS server
 * authentication only: never for e-mail, client authentication or code signing, so a
 * certificate of those kinds under the root fails at the store even where a verifier
 * would not read the CA's own EKU and constraints.
 *
 * Pure: returns argv (for execFile, no shell) and a display line per store; runs nothing.
 * One certificate per PEM file: NSS, `security` and Import-Certificate read only the first.
 */
import { posix, win32 } from 'node:path';

export type TrustStoreKind = 'nss' | 'macos' | 'windows';

export interface TrustCommand {
  store: TrustStoreKind;
  /** Which store, for whom, in a sentence. */
  description: string;
  /** Run with execFile (no shell). */
  argv: string[];
  /** The same command as a line to show or paste (POSIX shell, or PowerShell for Windows). */
  display: string;
  /** Needs root / an elevated prompt. */
  admin: boolean;
}

export interface TrustCommandOptions {
  /** The user's home directory (where the NSS database and the login keychain live). */
  homeDir: string;
  /** The name the stores list the certificate under. */
  nickname?: string;
  /** 'user' (default): this user's stores; 'machine': every user's (admin). */
  scope?: 'user' | 'machine';
  /** NSS database directory; default ~/.pki/nssdb (Chrome and Chromium on Linux). */
  nssDbDir?: string;
}

/** DER of ExtKeyUsageSyntax ::= SEQUENCE { id-kp-serverAuth (1.3.6.1.5.5.7.3.1) }. */
const SERVER_AUTH_EKU_DER = '0x30,0x0A,0x06,0x08,0x2B,0x06,0x01,0x05,0x05,0x07,0x03,0x01';
/** CERT_ENHKEY_USAGE_PROP_ID: the "enable only these purposes" property of a store entry. */
const CERT_ENHKEY_USAGE_PROP_ID = 9;

export function trustCommands(pemPath: string, opts: TrustCommandOptions): TrustCommand[] {
  const nickname = opts.nickname ?? 'Witness Copilot Audit CA';
  const machine = opts.scope === 'machine';
  const nssDb = opts.nssDbDir ?? posix.join(opts.homeDir, '.pki', 'nssdb');
  const keychain = machine ? '/Library/Keychains/System.keychain' : posix.join(opts.homeDir, 'Library', 'Keychains', 'login.keychain-db');
  const windowsStore = machine ? 'Cert:\\LocalMachine\\Root' : 'Cert:\\CurrentUser\\Root';

  // "C,,": a CA trusted to issue TLS server certificates; no trust for e-mail or object signing.
  const nss = ['certutil', '-A', '-d', `sql:${nssDb}`, '-n', nickname, '-t', 'C,,', '-i', pemPath];
  // -p ssl: the trust setting covers the SSL policy only.
  const macos = ['security', 'add-trusted-cert', ...(machine ? ['-d'] : []), '-r', 'trustRoot', '-p', 'ssl', '-k', keychain, pemPath];
  const script = windowsScript(win32.normalize(pemPath), windowsStore, nickname);
  const windows = ['powershell.exe', '-NoProfile', '-NonInteractive', '-Command', script];

  return [
    {
      store: 'nss',
      description: `NSS database ${nssDb} (Chrome/Chromium on Linux; for Firefox, a profile directory), trusted for TLS servers only`,
      argv: nss,
      display: shellLine(nss),
      admin: false,
    },
    {
      store: 'macos',
      description: `macOS ${machine ? 'System' : 'login'} keychain, trusted for the SSL policy only`,
      argv: macos,
      display: (machine ? 'sudo ' : '') + shellLine(macos),
      admin: machine,
    },
    {
      store: 'windows',
      description: `Windows ${machine ? 'LocalMachine' : 'CurrentUser'}\\Root store, purposes limited to Server Authentication`,
      argv: windows,
      display: script,
      admin: machine,
    },
  ];
}

/**
 * Import-Certificate trusts a root for every purpose its own EKU allows; the store entry's
 * EKU property narrows it to Server Authentication (what certmgr's "Enable only the
 * following purposes" writes). PowerShell has no cmdlet for that property, hence crypt32.
 */
function windowsScript(pemPath: string, store: string, nickname: string): string {
  return [
    `$ErrorActionPreference = 'Stop'`,
    `$imported = Import-Certificate -FilePath ${psQuote(pemPath)} -CertStoreLocation ${psQuote(store)}`,
    `$cert = Get-Item (${psQuote(store + '\\')} + $imported.Thumbprint)`,
    `$cert.FriendlyName = ${psQuote(nickname)}`,
    `Add-Type -Namespace Witness -Name Crypt32 -MemberDefinition '[StructLayout(LayoutKind.Sequential)] public struct Blob { public int cbData; public IntPtr pbData; } [DllImport("crypt32.dll", SetLastError = true)] public static extern bool CertSetCertificateContextProperty(IntPtr ctx, int propId, int flags, ref Blob data);'`,
    `$eku = [byte[]](${SERVER_AUTH_EKU_DER})`,
    `$pin = [Runtime.InteropServices.GCHandle]::Alloc($eku, 'Pinned')`,
    `try { $blob = New-Object Witness.Crypt32+Blob; $blob.cbData = $eku.Length; $blob.pbData = $pin.AddrOfPinnedObject()`,
    `  if (-not [Witness.Crypt32]::CertSetCertificateContextProperty($cert.Handle, ${CERT_ENHKEY_USAGE_PROP_ID}, 0, [ref]$blob)) { throw [ComponentModel.Win32Exception][Runtime.InteropServices.Marshal]::GetLastWin32Error() } }`,
    `finally { $pin.Free() }`,
  ].join('\n');
}

function psQuote(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

function shellLine(argv: string[]): string {
  return argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}
