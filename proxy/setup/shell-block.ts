/**
 * Marked blocks in a shell startup file (~/.bashrc, ~/.zshrc, ~/.profile): setup adds or
 * replaces its own block and touches nothing else; doctor finds it. Pure text functions.
 */

const begin = (name: string) => `# >>> witness setup ${name} >>>`;
const end = (name: string) => `# <<< witness setup ${name} <<<`;

/** The text with the named block set to `body` (added at the end when absent). */
export function upsertBlock(text: string, name: string, body: string): string {
  const block = `${begin(name)}\n${body.trimEnd()}\n${end(name)}\n`;
  const existing = findBlock(text, name);
  if (existing) return text.slice(0, existing.start) + block + text.slice(existing.end);
  const sep = text === '' || text.endsWith('\n\n') ? '' : text.endsWith('\n') ? '\n' : '\n\n';
  return text + sep + block;
}

export function findBlock(text: string, name: string): { start: number; end: number; body: string } | null {
  const s = text.indexOf(begin(name));
  if (s < 0) return null;
  const e = text.indexOf(end(name), s);
  if (e < 0) return null;
  let stop = e + end(name).length;
  if (text[stop] === '\n') stop++;
  return { start: s, end: stop, body: text.slice(s + begin(name).length + 1, e) };
}

/** A value in single quotes for sh/bash/zsh. */
export function shQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
