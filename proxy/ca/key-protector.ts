/**
 * How the CA private key is protected at rest. Headless, the key file is plain PKCS#8 with
 * mode 0600 (the same protection as an SSH key). The desktop shell plugs in a protector
 * backed by the OS keychain (Electron safeStorage) without the engine knowing about Electron.
 */
export interface KeyProtector {
  /** Stable id written next to the key so the right protector is used to read it back. */
  readonly id: string;
  protect(plain: Buffer): Promise<Buffer>;
  unprotect(stored: Buffer): Promise<Buffer>;
}

export const fileModeProtector: KeyProtector = {
  id: 'file-0600',
  protect: async (plain) => plain,
  unprotect: async (stored) => stored,
};
