// The subset of Electron's API that Witness uses (electron/main): the utility process the
// engine runs in. Hand-written, not vendored: signatures follow Electron's documented API
// for the version in build/electron-version.ts
// (https://www.electronjs.org/docs/latest/api/utility-process), declaring only the members
// the code uses. Where Electron says `any` for a message from the child, this says
// `unknown`: the code must check it.

/// <reference types="node" />

declare module 'electron' {
  import { EventEmitter } from 'node:events';

  export class UtilityProcess extends EventEmitter {
    /** A Node.js child process with Chromium's sandbox and service tooling. */
    static fork(modulePath: string, args?: string[], options?: ForkOptions): UtilityProcess;
    /** The child exited; its exit code. */
    on(event: 'exit', listener: (code: number) => void): this;
    /** The child sent a message with process.parentPort.postMessage(). */
    on(event: 'message', listener: (message: unknown) => void): this;
    kill(): boolean;
    /** Arrives in the child as a `message` event on process.parentPort. */
    postMessage(message: unknown): void;
    /** undefined until the child has started, and after it exited. */
    pid: number | undefined;
    /** null unless `stdio` was 'pipe'. */
    stderr: NodeJS.ReadableStream | null;
    stdout: NodeJS.ReadableStream | null;
  }

  export interface ForkOptions {
    /** The child's whole environment (default: process.env). */
    env?: Env;
    execArgv?: string[];
    stdio?: Array<'pipe' | 'ignore' | 'inherit'> | string;
    /** The name the OS task manager shows. */
    serviceName?: string;
  }

  /** Environment variables, as process.env. */
  export interface Env {
    [name: string]: string | undefined;
  }

  export const utilityProcess: typeof UtilityProcess;
}
