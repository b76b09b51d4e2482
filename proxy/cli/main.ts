/**
 * The `witness` dispatcher: finds the command, runs it, and turns every failure into one
 * line a person can act on (what happened, what to do, a stable code). A file-system error
 * under the data dir names the directory and `--data-dir`; only an unexpected error (a bug)
 * carries a stack trace, and only when WITNESS_DEBUG=1.
 */
import { resolve } from 'node:path';
import { defaultDataDir } from '../config/index.js';
import { isWitnessError } from '../errors.js';
import { COMMANDS, usage } from './commands.js';
import { processIO, type CommandIO } from './io.js';
import { didYouMean } from './suggest.js';
import { VERSION } from '../version.js';

/** Exit codes shared by every command (status and verify add 3 and 4). */
export const EXIT_ERROR = 1;
export const EXIT_USAGE = 2;

const FS_CODES = new Set(['EACCES', 'EPERM', 'EROFS', 'ENOSPC', 'ENOTDIR', 'EEXIST', 'ENOENT', 'EISDIR', 'ELOOP', 'EDQUOT']);

export async function main(argv: string[], io: CommandIO = processIO): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    if (command === 'help' && rest[0] && COMMANDS[rest[0]]) return main([rest[0], '--help'], io);
    io.out(usage());
    return command ? 0 : EXIT_USAGE;
  }
  if (command === '--version' || command === '-v' || command === 'version') {
    io.out(VERSION);
    return 0;
  }
  const def = COMMANDS[command];
  if (!def) {
    const names = Object.keys(COMMANDS);
    io.err(
      command.startsWith('-')
        ? `witness: "${command}" is not a command; options go after one (witness <command> [options]).${didYouMean(command.replace(/^-+/, ''), names)}\nCommands: ${names.join(', ')}. Run \`witness --help\` for details.`
        : `witness: unknown command "${command}".${didYouMean(command, names)}\nCommands: ${names.join(', ')}. Run \`witness --help\` for details.`,
    );
    return EXIT_USAGE;
  }
  try {
    return await def.run(rest, io);
  } catch (e) {
    return report(e, argv, io);
  }
}

function report(e: unknown, argv: string[], io: CommandIO): number {
  if (isWitnessError(e)) {
    io.err(`witness: ${e.message} [${e.code}]`);
    return e.code === 'USAGE' ? EXIT_USAGE : EXIT_ERROR;
  }
  const err = e as NodeJS.ErrnoException;
  if (err && typeof err.code === 'string' && FS_CODES.has(err.code) && typeof err.path === 'string') {
    const dataDir = dataDirOf(argv);
    const where = resolve(err.path).startsWith(resolve(dataDir)) ? `the data dir ${dataDir}` : err.path;
    io.err(
      `witness: cannot use ${where}: ${err.code} (${err.syscall ?? 'access'} ${err.path}). ` +
        `Choose a directory you can write with --data-dir DIR (or WITNESS_DATA_DIR), or fix its permissions. [DATA_DIR_UNUSABLE]`,
    );
    return EXIT_ERROR;
  }
  const message = (err as Error)?.message ?? String(e);
  io.err(`witness: unexpected error: ${message.split('\n')[0]}` + (process.env.WITNESS_DEBUG === '1' ? `\n${(err as Error)?.stack ?? ''}` : ' (set WITNESS_DEBUG=1 for the stack trace)'));
  return EXIT_ERROR;
}

/** The data dir a command line names (for messages about it), else the default. */
function dataDirOf(argv: string[]): string {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--data-dir' && argv[i + 1]) return argv[i + 1]!;
    if (a.startsWith('--data-dir=')) return a.slice('--data-dir='.length);
  }
  return defaultDataDir();
}
