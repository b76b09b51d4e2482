/**
 * Names the operating systems know the desktop app by. The app id is also the Windows
 * AppUserModelID (notifications need it to match the Start Menu shortcut the installer
 * makes) and the macOS bundle id, hence the managed-preferences domain IT configures.
 */
export const APP_ID = 'com.witness.desktop';
export const PRODUCT_NAME = 'Witness';
/** The Linux executable and package name (`witness` is the CLI's). */
export const EXECUTABLE_NAME = 'witness-desktop';
