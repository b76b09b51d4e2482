/**
 * Issue 20: with the data dir on a full file system, Copilot requests all succeeded, only a
 * few records were kept, and `status` reported nothing. Now the failure is loud (status
 * health and status.audit.store, an `audit.store` event), policy audit.onStoreFailure
 * "block" answers Copilot with a readable refusal while records cannot be kept, and once
 * space is freed the engine records again by itself. Needs a real full file system (tmpfs).
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditStore, STORE_FAILURE_MESSAGE } from '../../proxy/audit/index.js';
import { startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream.js';
import { startTestEngine, type TestEngine } from '../helpers/engine.js';
import { openEventStream } from '../helpers/events.js';
import { requestViaProxy } from '../helpers/proxy-client.js';
import { canMountTmpfs, fill, mountTmpfs, unmount } from '../helpers/tmpfs.js';

let upstream: FakeUpstream;
let t: TestEngine;
let mnt: string;
let dataDir: string;
const events: Array<{ type: string; data: { ok?: boolean } }> = [];
let stream: Awaited<ReturnType<typeof openEventStream>> | undefined;

beforeAll(async () => {
  if (!canMountTmpfs) return;
  mnt = mkdtempSync(join(tmpdir(), 'witness-fullfs-'));
  expect(mountTmpfs(mnt, '12m')).toBe(true);
  dataDir = join(mnt, 'data');
  mkdirSync(dataDir, { mode: 0o700 });
  writeFileSync(join(dataDir, 'policy.json'), JSON.stringify({ protectedPaths: [], protectedCommands: [], unknownTools: 'allow', mcpTools: 'allow', urls: { otherwise: 'allow' }, audit: { onStoreFailure: 'block' } }));
  upstream = await startFakeUpstream();
  t = await startTestEngine(upstream, {}, { dataDir }, null);
  stream = await openEventStream(t.engine.controlUrl, t.engine.controlToken, (type, data) => events.push({ type, data }));
});
afterAll(async () => {
  stream?.close();
  await t?.engine.stop();
  await upstream?.close();
  if (mnt) {
    unmount(mnt);
    rmSync(mnt, { recursive: true, force: true });
  }
});

const chat = (text: string) =>
  requestViaProxy({
    proxyPort: t.engine.proxyPort,
    host: 'api.business.githubcopilot.com',
    path: '/chat/completions?fixture=02-chat.response.sse.txt',
    method: 'POST',
    body: JSON.stringify({ model: 'gpt-4.1', stream: true, messages: [{ role: 'user', content: text }] }),
    headers: { 'content-type': 'application/json' },
    ca: t.caPem,
  });

describe.skipIf(!canMountTmpfs)('the engine on a full disk, audit.onStoreFailure "block"', () => {
  it('reports the failure, refuses Copilot readably while records cannot be kept, and records again once space is freed', async () => {
    expect((await chat('hello')).status).toBe(200);
    await expect.poll(() => t.engine.status().audit.headSeq, { timeout: 20_000 }).toBe(1);
    expect(t.engine.status().audit.store).toMatchObject({ ok: true, onStoreFailure: 'block' });

    const filler = fill(mnt);
    // Incompressible prompts fill what the journal wrote ahead; then a write fails.
    for (let k = 0; k < 60 && t.engine.status().audit.store.ok; k++) {
      const upstreamSaw = upstream.requests.length;
      const res = await chat(randomBytes(96 * 1024).toString('base64'));
      if (res.body.includes('cannot keep audit records')) break;
      expect(upstream.requests.length).toBe(upstreamSaw + 1);
      await new Promise((r) => setImmediate(r));
    }
    await expect.poll(() => t.engine.status().audit.store.ok, { timeout: 20_000 }).toBe(false);
    const status = t.engine.status();
    expect(status.health).toMatchObject({ level: 'warn', message: expect.stringMatching(/Audit records cannot be written/) });
    expect(status.audit.store.problem).toMatch(/ENOSPC|short write|no space/i);
    await expect.poll(() => events.some((e) => e.type === 'audit.store' && e.data.ok === false), { timeout: 20_000 }).toBe(true);

    // Blocked: a readable answer in the client's protocol, nothing sent upstream.
    const before = upstream.requests.length;
    const refused = await chat('may I?');
    expect(refused.status).toBe(200);
    expect(refused.events.join('\n')).toContain(JSON.stringify(STORE_FAILURE_MESSAGE).slice(1, 40));
    expect(upstream.requests.length).toBe(before);

    unlinkSync(filler);
    await expect.poll(() => t.engine.status().audit.store.ok, { timeout: 60_000 }).toBe(true);
    await expect.poll(() => events.some((e) => e.type === 'audit.store' && e.data.ok === true), { timeout: 20_000 }).toBe(true);
    // The head is read once records can be kept again: while writes fail, the head moves back
    // to what is on disk (a failed write's record is not kept), so a head read during the
    // failure may name a seq that a later record then takes.
    const headBefore = t.engine.status().audit.headSeq;
    expect((await chat('and now?')).status).toBe(200);
    // The new exchange is recorded, after the head of that moment. (The refused exchange's
    // record may also land after it: it is appended once its response has gone out.)
    const andNow = () => [...t.engine.auditStore.iterate()].find((r) => JSON.stringify(t.engine.auditStore.resolve(r)).includes('and now?'));
    await expect.poll(() => andNow() !== undefined, { timeout: 20_000 }).toBe(true);
    const andNowSeq = andNow()!.seq;
    expect(andNowSeq).toBeGreaterThan(headBefore);

    await t.engine.stop();
    const store = await AuditStore.open({ dataDir, readOnly: true });
    expect(store.head.seq).toBeGreaterThanOrEqual(andNowSeq);
    expect(store.verify()).toMatchObject({ ok: true, records: store.head.seq });
  });
});
