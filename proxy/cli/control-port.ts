/**
 * A stable window URL per data dir: with control.port 0 (the default), the control API's
 * port is picked once, kept in DATA_DIR/control-port, and reused at every start while it is
 * free, so an open browser tab finds the engine again after a restart.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';

export function controlPortFile(dataDir: string): string {
  return join(dataDir, 'control-port');
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen({ host: '127.0.0.1', port, exclusive: true }, () => s.close(() => resolve(true)));
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen({ host: '127.0.0.1', port: 0, exclusive: true }, () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** The port to use: a configured one as is; else the remembered one while free; else a new one, remembered. */
export async function stableControlPort(dataDir: string, configured: number): Promise<number> {
  if (configured !== 0) return configured;
  const file = controlPortFile(dataDir);
  const remembered = existsSync(file) ? Number(readFileSync(file, 'utf8').trim()) : NaN;
  if (Number.isInteger(remembered) && remembered > 0 && remembered < 65536 && (await isFree(remembered))) return remembered;
  const port = await freePort();
  writeFileSync(file, `${port}\n`, { mode: 0o600 });
  return port;
}
