// node test/bench/sse-event-probe.mjs <built checkout> <mode> <warm passes> <passes>
// The paced stream's per-event work, one event per chunk (the fake upstream's token event, ~95
// characters of data) through SseAdapterTransform + GenericSseAdapter with masking on:
//   transform  the whole path (parse, keyword check, output)
//   check      masker.mightContainSecret(data) alone
//   empty      the loop alone (what the two above carry besides their work)
// Prints CPU µs per event of the timed passes; under callgrind with --dump-before=uv_getrusage,
// the second dump is the timed passes only (instructions per event = its total / events).
import { pathToFileURL } from 'node:url';

const [root, mode, warmArg, nArg] = process.argv.slice(2);
const imp = (p) => import(pathToFileURL(`${root}/dist/${p}`).href);
const m = await imp('proxy/masking/index.js');
const { SseAdapterTransform } = await imp('proxy/protocols/transforms.js');
const { GenericSseAdapter } = await imp('proxy/protocols/adapters/generic.js');
const masker = new m.Masker({ key: Buffer.alloc(32, 7), cacheChars: 0 });
const ev = (i) => `data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: `tok${i} ` }, finish_reason: null }], n: i, t: 1733300000000 + i * 20 })}\n\n`;
const chunks = Array.from({ length: 50 }, (_, i) => Buffer.from(ev(i)));
const datas = chunks.map((c) => c.toString('latin1').slice(6, -2));
let sink = 0;
const pass = () => {
  if (mode === 'check') {
    for (const d of datas) if (masker.mightContainSecret(d)) sink++;
  } else if (mode === 'empty') {
    for (const d of datas) if (d.length === 3) sink++;
  } else {
    const t = new SseAdapterTransform(new GenericSseAdapter({ masker }));
    const cb = () => {};
    t.push = (x) => ((sink += x.length), true);
    for (const c of chunks) t._transform(c, 'buffer', cb);
  }
};
for (let i = 0; i < Number(warmArg); i++) pass();
const t0 = process.cpuUsage();
const n = Number(nArg);
for (let i = 0; i < n; i++) pass();
const u = process.cpuUsage(t0);
console.error(`${mode}: ${50 * n} events, ${((u.user + u.system) / (50 * n)).toFixed(3)} µs/event cpu (sink ${sink})`);
