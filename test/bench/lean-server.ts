/**
 * Bench child: a Witness engine (built, from `<checkout>/dist`, as `witness start` runs it)
 * with the lean hop (lean-hop.ts) in front of its data path, in a process of its own like the
 * engine's; prints {port, caPem} as one JSON line. The engine's own mockttp proxy is started
 * too (the engine always starts it) and stays idle. With `forward`, the hop runs the forward step
 * with no hooks at all (no masking, no SSE transform, no record or audit): the HTTP plumbing alone.
 * With `raw`, the engine's hooks run on the raw hop (raw-hop.ts: the relay, HTTP framed by hand).
 *   lean-server.ts <checkout> <data dir> <config file> [engine | forward | raw]
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { readFileSync } from 'node:fs';
import { engineParts, startLeanHop } from './lean-hop.js';
import { startRawHop } from './raw-hop.js';

const [checkout, dataDir, configFile, what = 'engine'] = process.argv.slice(2);
const dist = (p: string) => import(pathToFileURL(join(checkout!, 'dist', p)).href);
const { Engine } = (await dist('proxy/engine.js')) as typeof import('../../proxy/engine.js');
const { ForwardStep } = (await dist('proxy/intercept/forward-step.js')) as typeof import('../../proxy/intercept/forward-step.js');
const { loadConfigFile } = (await dist('proxy/config/index.js')) as typeof import('../../proxy/config/index.js');
const { createLogger } = (await dist('proxy/log.js')) as typeof import('../../proxy/log.js');
const { tuneGarbageCollector } = (await dist('proxy/gc-tuning.js')) as typeof import('../../proxy/gc-tuning.js');

// As `witness start` does before its engine starts.
tuneGarbageCollector();
const config = loadConfigFile(configFile!);
const log = createLogger({ level: config.log.level, write: (l) => process.stderr.write(l + '\n') });
const engine = new Engine({ dataDir: dataDir!, config, log });
await engine.start();
const parts = engineParts(engine);
const upstream = config.upstream.resolve['api.githubcopilot.com']!.split(':');
const hop =
  what === 'raw'
    ? await startRawHop({ hooks: parts.hooks, upstreamHost: upstream[0], upstreamPort: Number(upstream[1]), upstreamCa: readFileSync(config.upstream.caFile!, 'utf8') })
    : await startLeanHop({ ForwardStep, parts: what === 'forward' ? { ...parts, hooks: {} } : parts });
process.stdout.write(JSON.stringify({ port: hop.port, caPem: hop.caPem }) + '\n');
process.on('SIGTERM', () => void hop.close().then(() => engine.stop()).then(() => process.exit(0)));
