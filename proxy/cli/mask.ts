/**
 * `witness mask`: masks stdin to stdout as a stream (each piece is written as soon as it is
 * safe). `--jsonl`: each input line {"id","text"} becomes {"id","text","findings":[{"type",
 * "start","end"}]} with offsets into the input text, so anyone can score the detectors.
 * Placeholders use this install's key (`masking.key` in the data dir's key vault, or an earlier
 * version's DATA_DIR/masking.key) when there is one, so they match the audit records; without
 * one a per-run key is used (said on stderr) and nothing is written.
 */
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import { StringDecoder } from 'node:string_decoder';
import { FileKeyVault, maskingKey, vaultDir } from '../keys/index.js';
import { Masker, StreamingMasker } from '../masking/index.js';
import { parseCommon } from './args.js';
import type { CommandIO } from './io.js';

const HELP = `Usage: witness mask [--data-dir DIR] [--jsonl] < input > output

  Reads text on stdin and writes it with secrets replaced by [MASKED:<type>:<hash>].
  The hash uses DATA_DIR's masking key when it exists (placeholders match the audit trail);
  otherwise a per-run key (said on stderr). Needs no data dir and writes nothing.
  --jsonl   one JSON object per line in: {"id": …, "text": "…"}
            one per line out: {"id", "text" (masked), "findings": [{"type","start","end"}]}`;

export interface MaskStreams {
  input: NodeJS.ReadableStream;
  write(text: string): void;
}

export async function maskCommand(argv: string[], io: CommandIO, streams: MaskStreams = { input: process.stdin, write: (t) => void process.stdout.write(t) }): Promise<number> {
  const args = parseCommon(argv, { jsonl: { type: 'boolean', default: false } }, 'witness mask');
  if (args.help) {
    io.out(HELP);
    return 0;
  }
  // Masking stdin needs no data dir: only an existing key is used, none is ever created here.
  let key = await maskingKey(new FileKeyVault({ dir: vaultDir(args.dataDir) }), args.dataDir, { create: false });
  if (!key) {
    key = randomBytes(32);
    io.err(`witness mask: no masking key in ${args.dataDir}; using a per-run key (placeholders will not match the audit trail's).`);
  }
  const masker = new Masker({ key });

  if (args.extra.jsonl === true) {
    let errors = 0;
    let n = 0;
    const rl = createInterface({ input: streams.input, crlfDelay: Infinity });
    for await (const line of rl) {
      n++;
      if (!line.trim()) continue;
      let obj: { id?: unknown; text?: unknown };
      try {
        obj = JSON.parse(line) as typeof obj;
      } catch (e) {
        errors++;
        streams.write(JSON.stringify({ line: n, error: `invalid JSON: ${(e as Error).message}` }) + '\n');
        continue;
      }
      if (typeof obj.text !== 'string') {
        errors++;
        streams.write(JSON.stringify({ line: n, id: obj.id ?? null, error: 'missing string field "text"' }) + '\n');
        continue;
      }
      const r = masker.mask(obj.text);
      streams.write(JSON.stringify({ id: obj.id ?? null, text: r.text, findings: r.findings.map((f) => ({ type: f.type, start: f.start, end: f.end })) }) + '\n');
    }
    return errors ? 1 : 0;
  }

  const sm = new StreamingMasker(masker);
  const decoder = new StringDecoder('utf8');
  for await (const chunk of streams.input) {
    const out = sm.push(decoder.write(chunk as Buffer));
    if (out) streams.write(out);
  }
  const rest = sm.push(decoder.end()) + sm.flush();
  if (rest) streams.write(rest);
  return 0;
}
