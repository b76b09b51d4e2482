/**
 * The server bench's device side, in its own process so that the server's CPU is measured
 * apart from the client's: reads the sealed batches (one list per device) from the file in
 * argv[2], waits for a line on stdin, then sends each device's batches in order, devices at
 * once, to argv[3]; prints {latencies, stored, cpuMs} as one JSON line.
 */
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

const devices = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as string[][];
const url = process.argv[3]!;
process.stdout.write('ready\n');
await new Promise((r) => createInterface({ input: process.stdin }).once('line', r));
const cpu0 = process.cpuUsage();
const latencies: number[] = [];
let stored = 0;
await Promise.all(
  devices.map(async (bodies) => {
    for (const body of bodies) {
      const s = performance.now();
      const res = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/jose' } });
      const json = (await res.json()) as { stored?: number; error?: { code: string; message: string } };
      if (res.status !== 200) throw new Error(`ingest refused: ${json.error?.code} ${json.error?.message}`);
      latencies.push(performance.now() - s);
      stored += json.stored!;
    }
  }),
);
const cpu = process.cpuUsage(cpu0);
process.stdout.write(JSON.stringify({ latencies, stored, cpuMs: (cpu.user + cpu.system) / 1000 }) + '\n');
