/**
 * The Electron the desktop app is packaged with (electron-builder downloads this version,
 * or a placeholder distribution names it) and whose documented API the hand-written
 * declarations in electron/types/electron/ follow. Moving to another Electron: change it
 * here, and check those declarations against that version's API documentation.
 */
export const ELECTRON_VERSION = '45.4.1';
