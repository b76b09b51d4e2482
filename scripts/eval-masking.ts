/** `npm run eval:masking`: detection quality on the labelled corpora (prints the numbers for notes). */
import { randomBytes } from 'node:crypto';
import { Masker } from '../proxy/masking/index.js';
import { loadCorpus, OWN_CORPUS, PROSE_CORPUS, scoreCorpus, SHARED_CORPUS } from '../test/helpers/corpus.js';

const masker = new Masker({ key: randomBytes(32) });
const verbose = process.argv.includes('--verbose');
for (const [name, file] of [['shared dev corpus', SHARED_CORPUS], ['own corpus', OWN_CORPUS], ['own prose corpus', PROSE_CORPUS]] as const) {
  const entries = loadCorpus(file);
  if (entries.length === 0) continue;
  const s = scoreCorpus(entries, masker, { streaming: true });
  console.log(`\n== ${name}: ${entries.length} snippets`);
  console.log(`recall ${(s.recall * 100).toFixed(2)} % (${s.caught}/${s.secrets}); false positives ${(s.falsePositiveRate * 100).toFixed(2)} % (${s.falsePositives}/${s.negatives}); over-masked chars ${s.overMaskedChars}; streaming mismatches ${s.streamingMismatches.length}`);
  const low = Object.entries(s.perType).filter(([, t]) => t.recall < 1);
  console.log('per-type recall below 100 %:', low.length ? low.map(([k, t]) => `${k} ${(t.recall * 100).toFixed(1)}% (${t.caught}/${t.total})`).join(', ') : 'none');
  if (verbose) {
    for (const m of s.misses) console.log('MISS', m.id, m.type, JSON.stringify(m.value));
    for (const f of s.fpSamples) console.log('FP', f.id, f.category, JSON.stringify(f.masked));
    console.log('STREAM MISMATCH', s.streamingMismatches.slice(0, 30).join(' '));
  }
}
