/**
 * Structured logs: one JSON object per line on stderr (stdout belongs to command output).
 * Callers pass fields, never bodies: no prompt text, token or header value may be logged.
 * Libraries that print with console.* (mockttp's "Failed to handle request: …") are routed
 * through the logger while an engine runs (`routeConsole`), never raw between JSON lines.
 */
import { format } from 'node:util';
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

export interface LoggerOptions {
  level?: LogLevel;
  write?: (line: string) => void;
  now?: () => Date;
  base?: Record<string, unknown>;
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const min = ORDER[opts.level ?? 'info'];
  const write = opts.write ?? ((line: string) => process.stderr.write(line + '\n'));
  const now = opts.now ?? (() => new Date());
  const base = opts.base ?? {};
  const emit = (level: LogLevel, msg: string, fields?: Record<string, unknown>) => {
    if (ORDER[level] < min) return;
    write(JSON.stringify({ time: now().toISOString(), level, msg, ...base, ...fields }, errorReplacer));
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (fields) => createLogger({ ...opts, base: { ...base, ...fields } }),
  };
}

/** A logger that drops everything (tests, benchmarks). */
export const silentLogger: Logger = createLogger({ level: 'error', write: () => {} });

function errorReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) {
    return { name: value.name, message: value.message, code: (value as { code?: unknown }).code };
  }
  return value;
}

type ConsoleMethod = 'log' | 'info' | 'warn' | 'error' | 'debug' | 'trace';
const CONSOLE_LEVELS: Record<ConsoleMethod, LogLevel> = { log: 'info', info: 'info', warn: 'warn', error: 'error', debug: 'debug', trace: 'debug' };
/** A third-party line is cut here: it is a hint for a person, never a dump of a body. */
const MAX_THIRD_PARTY_LINE = 500;
const routed: Logger[] = [];
let originals: Partial<Record<ConsoleMethod, (...args: unknown[]) => void>> | null = null;

/**
 * Sends console.* to `log` (the most recent caller wins) until the returned function is
 * called; the console is restored when the last caller releases it. Only a line's first
 * 500 characters are kept, and an Error argument contributes only its message.
 */
export function routeConsole(log: Logger): () => void {
  routed.push(log);
  if (!originals) {
    originals = {};
    for (const method of Object.keys(CONSOLE_LEVELS) as ConsoleMethod[]) {
      originals[method] = console[method];
      console[method] = (...args: unknown[]) => {
        const target = routed[routed.length - 1];
        if (!target) return;
        const text = format(...args.map((a) => (a instanceof Error ? `${a.name}: ${a.message}` : a)));
        const line = text.length > MAX_THIRD_PARTY_LINE ? `${text.slice(0, MAX_THIRD_PARTY_LINE)}…` : text;
        target[CONSOLE_LEVELS[method]]('third-party log line', { line });
      };
    }
  }
  let released = false;
  return () => {
    if (released) return;
    released = true;
    routed.splice(routed.lastIndexOf(log), 1);
    if (routed.length === 0 && originals) {
      Object.assign(console, originals);
      originals = null;
    }
  };
}
