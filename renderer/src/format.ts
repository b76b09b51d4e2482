/** How the window writes times, durations and sizes: one place, so every view agrees. */
import type { Interaction } from '../../proxy/model/index.js';

/** The editor, as people call it (the Editor-Version header says e.g. "vscode/1.108.0"). */
export function clientName(i: Pick<Interaction, 'client'>): string {
  const raw = i.client.editor ?? i.client.userAgent?.split(/[/ ]/)[0] ?? null;
  return raw ?? '—';
}

/** "just now", "42 s ago", "3 min ago", "2 h ago". */
export function ago(ms: number): string {
  if (ms < 5000) return 'just now';
  if (ms < 60_000) return `${Math.floor(ms / 1000)} s ago`;
  if (ms < 3_600_000) return `${Math.floor(ms / 60_000)} min ago`;
  if (ms < 172_800_000) return `${Math.floor(ms / 3_600_000)} h ago`;
  return `${Math.floor(ms / 86_400_000)} days ago`;
}

export function formatMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  if (ms < 3_600_000) return `${Math.floor(ms / 60_000)} min ${Math.floor((ms % 60_000) / 1000)} s`;
  if (ms < 172_800_000) return `${Math.floor(ms / 3_600_000)} h ${Math.floor((ms % 3_600_000) / 60_000)} min`;
  return `${Math.floor(ms / 86_400_000)} days`;
}

/** A countdown: "1:05". */
export function formatLeft(s: number): string {
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

export function formatSize(chars: number): string {
  return chars < 1024 ? `${chars} chars` : `${(chars / 1024).toFixed(1)} K chars`;
}

export function prettyJson(s: string): string {
  try {
    return JSON.stringify(JSON.parse(s), null, 2);
  } catch {
    return s;
  }
}

/**
 * A shell command cut into tokens and the whitespace between them (quotes kept with their
 * word, operators apart; joined they give the command back exactly), so the window can wrap
 * between tokens and never inside one ("curl -" / "fsSL").
 */
export function shellTokens(command: string): Array<{ text: string; space: boolean }> {
  const out: Array<{ text: string; space: boolean }> = [];
  let cur = '';
  let space = false;
  let quote: string | null = null;
  const flush = () => {
    if (cur) out.push({ text: cur, space });
    cur = '';
  };
  const kind = (s: boolean) => {
    if (space !== s) flush();
    space = s;
  };
  for (let i = 0; i < command.length; i++) {
    const ch = command[i]!;
    if (quote) {
      cur += ch;
      if (ch === '\\' && quote === '"' && i + 1 < command.length) cur += command[++i];
      else if (ch === quote) quote = null;
      continue;
    }
    if (/\s/.test(ch)) {
      kind(true);
      cur += ch;
      continue;
    }
    kind(false);
    if (ch === "'" || ch === '"') {
      quote = ch;
      cur += ch;
    } else if (ch === '\\' && i + 1 < command.length) {
      cur += ch + command[++i];
    } else if (/[|;&<>]/.test(ch)) {
      flush();
      let op = ch;
      while (i + 1 < command.length && /[|&>]/.test(command[i + 1]!) && op.length < 2) op += command[++i];
      out.push({ text: op, space: false });
    } else cur += ch;
  }
  flush();
  return out;
}
