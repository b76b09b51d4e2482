/**
 * The few choices the desktop shell remembers for its user (today: start at login), in a
 * small JSON file in Electron's userData folder. A missing or broken file means defaults.
 */
import { z } from 'zod';

const SettingsSchema = z.object({ startAtLogin: z.boolean().optional() }).partial();
export type ShellSettings = z.infer<typeof SettingsSchema>;

export interface SettingsFs {
  read(file: string): string;
  write(file: string, text: string): void;
}

export function loadSettings(file: string, fs: SettingsFs): ShellSettings {
  try {
    const r = SettingsSchema.safeParse(JSON.parse(fs.read(file)));
    return r.success ? r.data : {};
  } catch {
    return {};
  }
}

export function saveSettings(file: string, settings: ShellSettings, fs: SettingsFs): void {
  fs.write(file, JSON.stringify(settings, null, 2) + '\n');
}
