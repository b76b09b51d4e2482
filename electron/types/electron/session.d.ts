// The subset of Electron's API that Witness uses (electron/main): the session's permission
// handlers, the app:// protocol and safeStorage. Hand-written, not vendored: signatures
// follow Electron's documented API for the version in build/electron-version.ts
// (https://www.electronjs.org/docs/latest/api/session, .../protocol, .../safe-storage),
// declaring only the members the code uses, so a call outside them fails to typecheck
// until its declaration is added from the documentation (docs/desktop.md).

/// <reference types="node" />

declare module 'electron' {
  import { EventEmitter } from 'node:events';

  // Keeps the helper alias below out of the module's exports.
  export {};

  /** The permission names Electron passes to both permission handlers. */
  type PermissionName =
    | 'ar' | 'automatic-fullscreen' | 'background-fetch' | 'background-sync' | 'captured-surface-control' | 'clipboard-read'
    | 'clipboard-sanitized-write' | 'deprecated-sync-clipboard-read' | 'display-capture' | 'fileSystem' | 'fullscreen'
    | 'geolocation' | 'geolocation-approximate' | 'hand-tracking' | 'hid' | 'idle-detection' | 'keyboardLock' | 'local-fonts'
    | 'local-network' | 'local-network-access' | 'loopback-network' | 'media' | 'mediaKeySystem' | 'midi' | 'midiSysex' | 'nfc'
    | 'notifications' | 'openExternal' | 'payment-handler' | 'periodic-background-sync' | 'persistent-storage' | 'pointerLock'
    | 'screen-wake-lock' | 'sensors' | 'serial' | 'smart-card' | 'speaker-selection' | 'storage-access' | 'system-wake-lock'
    | 'top-level-storage-access' | 'usb' | 'vr' | 'web-app-installation' | 'web-printing' | 'window-management' | 'unknown';

  export class Session extends EventEmitter {
    static defaultSession: Session;
    /** Answers a page's permission request; null restores the default (grant all). */
    setPermissionRequestHandler(handler: ((webContents: WebContents, permission: PermissionName, callback: (permissionGranted: boolean) => void, details: PermissionRequest) => void) | null): void;
    /** Answers a page's synchronous permission check; null restores the default. */
    setPermissionCheckHandler(handler: ((webContents: WebContents | null, permission: PermissionName, requestingOrigin: string, details: PermissionCheckHandlerHandlerDetails) => boolean) | null): void;
    /** Answers requests for HID, serial and USB devices. */
    setDevicePermissionHandler(handler: ((details: DevicePermissionHandlerHandlerDetails) => boolean) | null): void;
  }

  /**
   * The request handler's details: Electron hands a subtype of this for file system, media
   * and openExternal requests, each with more fields than Witness reads.
   */
  export interface PermissionRequest {
    isMainFrame: boolean;
    requestingUrl: string;
  }

  export interface PermissionCheckHandlerHandlerDetails {
    isMainFrame: boolean;
    requestingUrl?: string;
  }

  export interface DevicePermissionHandlerHandlerDetails {
    deviceType: 'hid' | 'serial' | 'usb';
    origin: string;
  }

  export interface Protocol {
    /** Answers every request to `scheme` in the default session. */
    handle(scheme: string, handler: (request: Request) => Response | Promise<Response>): void;
    /** Only before the app's ready event, and only once. */
    registerSchemesAsPrivileged(customSchemes: CustomScheme[]): void;
  }

  export interface CustomScheme {
    scheme: string;
    privileges?: Privileges;
  }

  export interface Privileges {
    /** Parsed like http (relative URLs, origins). */
    standard?: boolean;
    /** Treated like https (a secure context). */
    secure?: boolean;
    supportFetchAPI?: boolean;
    /** V8 code cache for scripts; needs `standard`. */
    codeCache?: boolean;
  }

  /** Strings encrypted with the OS's secret store (Keychain, DPAPI, libsecret/kwallet). */
  export interface SafeStorage {
    decryptStringAsync(encrypted: Buffer): Promise<DecryptStringAsyncReturnValue>;
    encryptStringAsync(plainText: string): Promise<Buffer>;
    /** Linux: which secret store the encryption key lives in; `basic_text` is none. */
    getSelectedStorageBackend(): 'basic_text' | 'gnome_libsecret' | 'kwallet' | 'kwallet5' | 'kwallet6' | 'unknown';
    isAsyncEncryptionAvailable(): Promise<boolean>;
  }

  export interface DecryptStringAsyncReturnValue {
    result: string;
    /** The key rotated since: encrypt the value again. */
    shouldReEncrypt: boolean;
  }

  export const protocol: Protocol;
  export const safeStorage: SafeStorage;
  export const session: typeof Session;
}
