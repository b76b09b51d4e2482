/** What a command may touch: output streams only, so commands are testable in-process. */
export interface CommandIO {
  out(text: string): void;
  err(text: string): void;
  /** Structured log lines (stderr by default). */
  log(line: string): void;
  /** Tests can stop a foreground `start` without sending a real signal. */
  onStopRequest?(stop: () => void): void;
}

export const processIO: CommandIO = {
  out: (t) => process.stdout.write(t + '\n'),
  err: (t) => process.stderr.write(t + '\n'),
  log: (l) => process.stderr.write(l + '\n'),
};
