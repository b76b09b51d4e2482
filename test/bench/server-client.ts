/**
 * The server bench's device side, in its own process so that the server's CPU is measured
 * apart from the client's: reads the sealed batches (one list per device) from the file in
 * argv[2], waits for a line on stdin, then sends each device's batches in order, devices at
 * once, to argv[3]; prints {latencies, stored, cpuMs} as one JSON line.
 *
 * It stands for remote devices, whose CPU is not the server's but shares this machine's
 * cores, so it is kept lean: node:http on one keep-alive connection per device, each body an
 * already-encoded Buffer (fetch cost ~0.1 ms of CPU per record: its web streams and the
 * UTF-8 encoding of each ~300 KB string body). The answer is still read and checked.
 */
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { createInterface } from 'node:readline';

const devices = (JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as string[][]).map((bodies) => bodies.map((b) => Buffer.from(b, 'utf8')));
const url = new URL(process.argv[3]!);
const agent = new Agent({ keepAlive: true, maxSockets: devices.length });

function post(body: Buffer): Promise<{ status: number; json: { stored?: number; error?: { code: string; message: string } } }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent, headers: { 'content-type': 'application/jose', 'content-length': body.length } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        try {
          resolve({ status: res.statusCode!, json: JSON.parse(Buffer.concat(chunks).toString('utf8')) as never });
        } catch (e) {
          reject(e as Error);
        }
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

process.stdout.write('ready\n');
await new Promise((r) => createInterface({ input: process.stdin }).once('line', r));
const cpu0 = process.cpuUsage();
const latencies: number[] = [];
let stored = 0;
await Promise.all(
  devices.map(async (bodies) => {
    for (const body of bodies) {
      const s = performance.now();
      const { status, json } = await post(body);
      if (status !== 200) throw new Error(`ingest refused: ${json.error?.code} ${json.error?.message}`);
      latencies.push(performance.now() - s);
      stored += json.stored!;
    }
  }),
);
const cpu = process.cpuUsage(cpu0);
agent.destroy();
process.stdout.write(JSON.stringify({ latencies, stored, cpuMs: (cpu.user + cpu.system) / 1000 }) + '\n');
