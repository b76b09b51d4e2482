/**
 * Runs the engine in an Electron utility process (a Node process of its own, so TLS and
 * masking never block the tray or windows), with the engine's V8 flags, its output piped
 * to the shell (the supervisor reads the "started" line) and to a log file. With a vault,
 * the engine's key-vault requests on the process's port are answered from it.
 */
import { utilityProcess } from 'electron';
import { serveVaultOver, type KeyVault } from '../../proxy/keys/index.js';
import { engineProcess, type EngineCommand, type EngineProcess, type SpawnedLike } from '../core/index.js';

export function launchEngine(cmd: EngineCommand, logLine: (line: string) => void, vault: KeyVault | null): EngineProcess {
  const child = utilityProcess.fork(cmd.modulePath, cmd.args, {
    execArgv: cmd.execArgv,
    env: cmd.env,
    stdio: 'pipe',
    serviceName: 'Witness engine',
  });
  if (vault) serveVaultOver(child, vault);
  const proc = engineProcess(child as unknown as SpawnedLike);
  proc.onStdoutLine(logLine);
  proc.onStderrLine(logLine);
  return proc;
}
