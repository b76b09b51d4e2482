/**
 * File-change notices for the policy layers. Each file's folder is watched, not the file:
 * editors and configuration tools replace a file by writing a new one and renaming it over
 * the old (a watch on the old file would go quiet), and a layer's file may not exist yet.
 * Only events naming one of the files count; others in the same folder (control.json, logs)
 * are ignored. A folder that does not exist, or that the OS cannot watch, is left to the
 * periodic re-read. Watches never keep the process alive. Notices carry no content: the
 * caller re-reads every layer.
 */
import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';

export type WatchFiles = (files: readonly string[], onChange: () => void) => () => void;

export const watchFiles: WatchFiles = (files, onChange) => {
  const byFolder = new Map<string, Set<string>>();
  for (const f of files) {
    const names = byFolder.get(dirname(f)) ?? new Set<string>();
    names.add(basename(f));
    byFolder.set(dirname(f), names);
  }
  const watchers: FSWatcher[] = [];
  for (const [folder, names] of byFolder) {
    try {
      const w = watch(folder, { persistent: false }, (_event, name) => {
        // Some platforms do not say which file changed: re-read then too.
        if (name === null || names.has(String(name))) onChange();
      });
      // A watched folder that goes away (or a watch the OS drops): the periodic re-read remains.
      w.on('error', () => w.close());
      watchers.push(w);
    } catch {
      // ENOENT (no such folder yet), EACCES, or too many watches: the periodic re-read covers it.
    }
  }
  return () => {
    for (const w of watchers) w.close();
  };
};
