import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditStore } from '../../proxy/audit/index.js';
import { runCli } from '../helpers/cli.js';
import { interaction } from '../helpers/interactions.js';

let dataDir: string;
beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'witness-auditcli-'));
  const s = await AuditStore.open({ dataDir });
  await s.append(interaction({ prompt: 'refactor the invoice generator', time: '2026-11-01T10:00:00.000Z' }));
  await s.append(interaction({ prompt: 'write tests for the ledger', time: '2026-11-10T10:00:00.000Z', decision: 'masked', maskings: [{ type: 'jwt', where: 'request', count: 1 }] }));
  await s.close();
});
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('audit CLI', () => {
  it('search finds a record by a word of its prompt, with filters and JSON output', async () => {
    const r = await runCli(['search', 'invoice', '--data-dir', dataDir, '--json']);
    expect(r.code).toBe(0);
    const page = JSON.parse(r.stdout);
    expect(page.items.map((h: { prompt: string }) => h.prompt)).toEqual(['refactor the invoice generator']);
    const masked = JSON.parse((await runCli(['search', '--masked', '--data-dir', dataDir, '--json'])).stdout);
    expect(masked.total).toBe(1);
    const human = await runCli(['search', 'ledger', '--data-dir', dataDir]);
    expect(human.stdout).toMatch(/#2 .* masked .*\n\s+prompt: write tests for the ledger/);
  });

  it('export --since limits the range; a bad --format is a usage error', async () => {
    const r = await runCli(['export', '--data-dir', dataDir, '--since', '2026-11-05T00:00:00Z']);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!).prompt).toBe('write tests for the ledger');
    const bad = await runCli(['export', '--data-dir', dataDir, '--format', 'xml']);
    expect(bad.code).toBe(2);
  });

  it('verify exits 0 when intact and 4 naming the seq when a journal byte is flipped', async () => {
    expect((await runCli(['verify', '--data-dir', dataDir])).code).toBe(0);
    const copy = mkdtempSync(join(tmpdir(), 'witness-auditcli-t-'));
    try {
      const s = await AuditStore.open({ dataDir: copy, compactEvery: 100 });
      for (let i = 0; i < 3; i++) await s.append(interaction({ messages: [] }));
      const journal = join(copy, 'store', 'segments', '00000001.wseg');
      const b = readFileSync(journal);
      const second = 22 + 4 + b.readUInt32BE(22); // start of frame 2 (seq 2)
      b[second + 40] = b[second + 40]! ^ 0x55;
      writeFileSync(journal, b);
      const r = await runCli(['verify', '--data-dir', copy]);
      expect(r.code).toBe(4);
      expect(r.stdout).toMatch(/NOT intact: first bad seq 2/);
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });
});
