/**
 * SIEM export end to end: a real server (PGlite; then two nodes on one real PostgreSQL),
 * records ingested from a real device store through the sync wire format, and real HTTP
 * receivers on loopback: an OTLP/HTTP logs receiver (the body is OTLP JSON, as serialized
 * by @opentelemetry/otlp-transformer, checked against the GenAI semantic conventions) and
 * an OCSF endpoint. The receiver is down, refuses, and comes back; every record arrives
 * exactly once, the refused one is a dead letter in the status API, and no planted secret
 * appears in any byte sent.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AuditStore } from '../../proxy/audit/index.js';
import { Masker } from '../../proxy/masking/index.js';
import type { Interaction } from '../../proxy/model/index.js';
import { nextBatch, openReceipt, pinnedKeys, publicJwkOf, sealBatch, type PinnedKeys } from '../../proxy/sync/index.js';
import { startServer, type RunningServer, type ServerConfig } from '../../server/index.js';
import { interaction } from '../helpers/interactions.js';
import { startOidcProvider, type TestOidcProvider } from '../helpers/oidc.js';
import { startPostgres, type TestPostgres } from '../helpers/postgres.js';

// A GitHub token shape the masker knows; built at run time so no secret sits in the source.
const SECRET = `ghp_${randomBytes(27).toString('base64url').replace(/[-_]/g, 'x').slice(0, 36)}`;
const masker = new Masker({ key: randomBytes(32) });

/** A loopback HTTP receiver that keeps every body; `refuse` answers 400 to a body containing it. */
class Receiver {
  readonly bodies: string[] = [];
  refuse: string | null = null;
  private server: http.Server | null = null;
  constructor(readonly port: number) {}
  static async reservePort(): Promise<number> {
    const s = http.createServer();
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
    const port = (s.address() as AddressInfo).port;
    await new Promise<void>((r) => s.close(() => r()));
    return port;
  }
  async up(): Promise<void> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        if (this.refuse && body.includes(this.refuse)) return void res.writeHead(400, { 'content-type': 'text/plain' }).end('rejected: bad record');
        this.bodies.push(body);
        res.writeHead(200, { 'content-type': 'application/json' }).end(req.headers['content-type'] === 'application/json' && req.url === '/v1/logs' ? '{"partialSuccess":{}}' : '{}');
      });
    });
    await new Promise<void>((r) => this.server!.listen(this.port, '127.0.0.1', () => r()));
  }
  async down(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server!.close(() => r()));
    this.server = null;
  }
}

// The OTLP/JSON shapes we read back (ExportLogsServiceRequest, opentelemetry-proto logs v1).
type AnyValue = { stringValue?: string; intValue?: string | number; boolValue?: boolean; arrayValue?: { values?: AnyValue[] }; kvlistValue?: { values?: KeyValue[] } };
type KeyValue = { key: string; value: AnyValue };
type OtlpLog = { timeUnixNano: string; eventName?: string; severityNumber?: number; body?: AnyValue; attributes?: KeyValue[] };
type OtlpRequest = { resourceLogs: Array<{ resource: { attributes: KeyValue[] }; scopeLogs: Array<{ scope: { name: string }; logRecords: OtlpLog[] }> }> };

function plain(v: AnyValue | undefined): unknown {
  if (!v) return undefined;
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.arrayValue) return (v.arrayValue.values ?? []).map(plain);
  if (v.kvlistValue) return Object.fromEntries((v.kvlistValue.values ?? []).map((kv) => [kv.key, plain(kv.value)]));
  return undefined;
}
const attrsOf = (l: OtlpLog) => Object.fromEntries((l.attributes ?? []).map((kv) => [kv.key, plain(kv.value)])) as Record<string, any>;
const logsOf = (bodies: string[]) => bodies.flatMap((b) => (JSON.parse(b) as OtlpRequest).resourceLogs.flatMap((rl) => rl.scopeLogs.flatMap((s) => s.logRecords)));
const inferenceIds = (bodies: string[]) => logsOf(bodies).filter((l) => l.eventName === 'gen_ai.client.inference.operation.details').map((l) => attrsOf(l)['witness.record.id'] as string);

/** A device that masks as the engine does, stores, and syncs to a server. */
class Device {
  head = { seq: 0, hash: '0'.repeat(64) };
  constructor(
    readonly store: AuditStore,
    readonly keys: PinnedKeys,
  ) {}
  get key() {
    return { privateKey: this.store.deviceSigningKey.privateKey, publicJwk: publicJwkOf(this.store.deviceSigningKey.privateKey) };
  }
  async enrol(url: string, token: string) {
    const res = await fetch(`${url}/api/v1/devices`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ device: this.store.device, publicKey: this.key.publicJwk }) });
    expect(res.status).toBe(201);
  }
  async append(over: Partial<Interaction>) {
    await this.store.append(interaction(over));
  }
  /** Sends everything not yet receipted, in batches, to `url`. */
  async sync(url: string) {
    while (this.head.seq < this.store.head.seq) {
      const body = await sealBatch(nextBatch(this.store, this.head, 20)!, this.key, this.keys);
      const res = await fetch(`${url}/api/v1/ingest`, { method: 'POST', body, headers: { 'content-type': 'application/jose' } });
      expect(res.status).toBe(200);
      const r = await openReceipt(((await res.json()) as { receipt: string }).receipt, this.keys);
      this.head = { seq: r.seq, hash: r.hash };
    }
  }
}

const oidcConfig = (op: TestOidcProvider) => ({ issuer: op.issuer, audience: op.audience, groupsClaim: 'groups', jwksUri: null });
const quickRetry = { intervalSeconds: 0.1, backoff: { initialSeconds: 0.2, maxSeconds: 1 } };
const WAIT = { timeout: 120_000, interval: 100 };

describe('SIEM export from one node (PGlite)', () => {
  let op: TestOidcProvider;
  let server: RunningServer;
  let device: Device;
  let dir: string;
  let otlp: Receiver;
  let ocsf: Receiver;
  const token: Record<string, string> = {};
  const api = async (path: string, as: string) => {
    const res = await fetch(server.url + path, { headers: { authorization: `Bearer ${token[as]!}` } });
    return { status: res.status, json: (await res.json()) as any };
  };
  const status = async (name: string) => ((await api('/api/v1/exports', 'carol')).json.items as any[]).find((i) => i.name === name);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'witness-siem-'));
    op = await startOidcProvider({ users: [{ username: 'alice', email: 'alice@example.test', groups: ['engineering'] }, { username: 'carol', email: 'carol@example.test', groups: ['auditors'] }] });
    otlp = new Receiver(await Receiver.reservePort());
    ocsf = new Receiver(await Receiver.reservePort());
    await ocsf.up(); // the OTLP receiver starts down
    const siem: ServerConfig['siem'] = {
      ...quickRetry,
      destinations: [
        { name: 'collector', kind: 'otlp', url: `http://127.0.0.1:${otlp.port}/v1/logs`, headers: { authorization: 'Bearer collector-token' }, batchSize: 2, timeoutSeconds: 30 },
        { name: 'lake', kind: 'ocsf', url: `http://127.0.0.1:${ocsf.port}/ocsf?key=k`, headers: {}, batchSize: 100, timeoutSeconds: 30 },
      ],
    };
    server = await startServer({ dataDir: join(dir, 'server'), config: { oidc: oidcConfig(op), roles: { auditor: ['auditors'], admin: [] }, database: { url: null }, siem }, fetch: op.fetch });
    for (const u of ['alice', 'carol']) token[u] = (await op.tokensFor(u)).accessToken;
    device = new Device(await AuditStore.open({ dataDir: join(dir, 'device'), device: 'dev-siem', user: 'alice' }), pinnedKeys(await (await fetch(`${server.url}/api/v1/keys`)).json()));
    await device.enrol(server.url, token.alice!);
  }, 240_000);

  afterAll(async () => {
    await server?.close();
    await device?.store.close();
    await otlp?.down();
    await ocsf?.down();
    await op?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps records while the OTLP receiver is down and delivers each exactly once when it returns, as GenAI events with masked content only', async () => {
    const prompt = masker.mask(`deploy with token ${SECRET} please`);
    expect(prompt.text).not.toContain(SECRET); // the engine masks before anything is stored
    const placeholder = /\[MASKED:github-pat:[0-9a-f]{4}\]/.exec(prompt.text)![0];
    await device.append({
      prompt: prompt.text,
      messages: [{ role: 'system', text: 'You are an AI programming assistant.' }, { role: 'user', text: prompt.text }],
      maskings: [{ type: 'github-pat', where: 'request', count: 1 }],
      decision: 'masked',
      response: 'running it',
      toolCalls: [{ index: 0, id: 'call_1', name: 'run_in_terminal', arguments: JSON.stringify({ command: `deploy --token ${placeholder}` }) }],
      finishReason: 'tool_calls',
      usage: { promptTokens: 321, completionTokens: 45, totalTokens: 366, cachedTokens: null },
    });
    for (let i = 0; i < 4; i++) await device.append({ prompt: `plain question ${i}` });
    await device.sync(server.url);
    const ids = (await server.db.query<{ id: string }>('SELECT id FROM records ORDER BY seq')).map((r) => r.id);
    expect(ids).toHaveLength(5);

    // OCSF arrives meanwhile: one JSON array of class-6003 events.
    await vi.waitFor(() => expect(ocsf.bodies.flatMap((b) => JSON.parse(b) as unknown[])).toHaveLength(5), WAIT);
    const events = ocsf.bodies.flatMap((b) => JSON.parse(b) as any[]);
    expect(events.map((e) => e.metadata.uid)).toEqual(ids);
    for (const e of events) {
      expect(e).toMatchObject({ class_uid: 6003, category_uid: 6, activity_id: 1, type_uid: 600301, metadata: { version: '1.1.0', product: { name: 'Witness' } }, device: { uid: 'dev-siem' } });
      expect(typeof e.time).toBe('number');
    }

    // The collector is down: an honest error, nothing delivered, all pending.
    await vi.waitFor(async () => expect((await status('collector')).lastError).toMatch(/did not answer/), WAIT);
    const down = await status('collector');
    expect(down).toMatchObject({ kind: 'otlp', url: `http://127.0.0.1:${otlp.port}/v1/logs`, delivered: 0, pending: 5, deadLetters: 0, cursor: 0 });
    expect(JSON.stringify(down)).not.toContain('collector-token');

    await otlp.up();
    await vi.waitFor(async () => expect(await status('collector')).toMatchObject({ delivered: 5, pending: 0 }), WAIT);
    expect(inferenceIds(otlp.bodies)).toEqual(ids); // in order, none twice
    expect((await status('lake')).url).toBe(`http://127.0.0.1:${ocsf.port}/ocsf`); // the query may hold a key

    const req = JSON.parse(otlp.bodies[0]!) as OtlpRequest;
    const resource = Object.fromEntries(req.resourceLogs[0]!.resource.attributes.map((kv) => [kv.key, plain(kv.value)]));
    expect(resource['service.name']).toBe('witness-server');
    const logs = logsOf(otlp.bodies);
    const first = logs.find((l) => l.eventName === 'gen_ai.client.inference.operation.details' && attrsOf(l)['witness.record.id'] === ids[0])!;
    const a = attrsOf(first);
    expect(a).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'github.copilot',
      'gen_ai.system': 'github.copilot',
      'gen_ai.request.model': 'gpt-4.1',
      'gen_ai.usage.input_tokens': 321,
      'gen_ai.usage.output_tokens': 45,
      'gen_ai.response.finish_reasons': ['tool_calls'],
      'witness.device': 'dev-siem',
      'witness.seq': 1,
      'witness.decision': 'masked',
      'witness.maskings': 1,
      'witness.masking_types': ['github-pat'],
      'witness.user': 'alice',
    });
    expect(a['gen_ai.input.messages']).toEqual([
      { role: 'system', parts: [{ type: 'text', content: 'You are an AI programming assistant.' }] },
      { role: 'user', parts: [{ type: 'text', content: prompt.text }] },
    ]);
    expect(a['gen_ai.output.messages'][0]).toMatchObject({ role: 'assistant', finish_reason: 'tool_calls', parts: [{ type: 'text', content: 'running it' }, { type: 'tool_call', id: 'call_1', name: 'run_in_terminal' }] });
    expect(first.severityNumber).toBe(9);
    expect(first.timeUnixNano).toMatch(/^\d{19}$/);
    const tool = logs.find((l) => l.eventName === 'gen_ai.execute_tool')!;
    expect(attrsOf(tool)).toMatchObject({ 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'run_in_terminal', 'gen_ai.tool.call.id': 'call_1', 'witness.record.id': ids[0] });
    expect(attrsOf(tool)['gen_ai.tool.call.arguments']).toContain(placeholder);
    // Masked content only: the placeholder travels, the secret never, in any byte to either receiver.
    expect(JSON.stringify(a)).toContain(placeholder);
    for (const b of [...otlp.bodies, ...ocsf.bodies]) expect(b).not.toContain(SECRET);
  }, 240_000);

  it('counts a record the collector refuses (400) as a dead letter, visible in the status API, and delivers the others', async () => {
    otlp.refuse = 'poisoned-record';
    const before = otlp.bodies.length;
    for (const prompt of ['fine one', 'a poisoned-record here', 'fine two']) await device.append({ prompt, messages: [{ role: 'user', text: prompt }] });
    await device.sync(server.url);
    const rows = await server.db.query<{ id: string; prompt: string }>('SELECT id, prompt FROM records ORDER BY seq');
    const poisoned = rows.find((r) => r.prompt.includes('poisoned'))!.id;
    await vi.waitFor(async () => expect(await status('collector')).toMatchObject({ delivered: 7, deadLetters: 1, pending: 0 }), WAIT);
    const s = await status('collector');
    expect(s.lastError).toMatch(/HTTP 400: rejected: bad record/);
    const dead = await api('/api/v1/exports/collector/dead-letters', 'carol');
    expect(dead.status).toBe(200);
    expect(dead.json.items).toEqual([expect.objectContaining({ recordId: poisoned, status: 400 })]);
    const delivered = inferenceIds(otlp.bodies);
    expect(delivered).toHaveLength(7);
    expect(new Set(delivered).size).toBe(7);
    expect(delivered).not.toContain(poisoned);
    expect(inferenceIds(otlp.bodies.slice(before))).toEqual(rows.filter((r) => r.id !== poisoned).slice(5).map((r) => r.id));
  }, 240_000);

  it('shows exports to auditors only', async () => {
    expect((await api('/api/v1/exports', 'alice')).status).toBe(403);
    expect((await api('/api/v1/exports/nope/dead-letters', 'carol')).status).toBe(404);
    const all = await api('/api/v1/exports', 'carol');
    expect(all.json.items.map((i: any) => i.name)).toEqual(['collector', 'lake']);
    expect(all.json.items[1]).toMatchObject({ kind: 'ocsf', delivered: 8, pending: 0, deadLetters: 0, lastError: null });
    expect(typeof all.json.items[1].lastDeliveredAt).toBe('string');
  });
});

describe('SIEM export from two nodes on one PostgreSQL', () => {
  let op: TestOidcProvider;
  let pg: TestPostgres;
  let nodes: RunningServer[] = [];
  let device: Device;
  let dir: string;
  let otlp: Receiver;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'witness-siem-pg-'));
    op = await startOidcProvider({ users: [{ username: 'alice', email: 'alice@example.test', groups: ['engineering'] }] });
    pg = await startPostgres();
    const url = await pg.createDatabase('siem');
    otlp = new Receiver(await Receiver.reservePort());
    await otlp.up();
    const siem: ServerConfig['siem'] = { ...quickRetry, destinations: [{ name: 'collector', kind: 'otlp', url: `http://127.0.0.1:${otlp.port}/v1/logs`, headers: {}, batchSize: 3, timeoutSeconds: 30 }] };
    const env = { ...process.env, WITNESS_SERVER_PASSPHRASE: 'one passphrase for the fleet' };
    const config = { oidc: oidcConfig(op), roles: { auditor: [], admin: [] }, database: { url }, siem };
    nodes = await Promise.all([1, 2].map((n) => startServer({ dataDir: join(dir, `node${n}`), config, fetch: op.fetch, env })));
    device = new Device(await AuditStore.open({ dataDir: join(dir, 'device'), device: 'dev-pg', user: 'alice' }), pinnedKeys(await (await fetch(`${nodes[0]!.url}/api/v1/keys`)).json()));
    await device.enrol(nodes[0]!.url, (await op.tokensFor('alice')).accessToken);
  }, 240_000);

  afterAll(async () => {
    for (const n of nodes) await n.close();
    await device?.store.close();
    await otlp?.down();
    await op?.close();
    await pg?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sends each record exactly once while both nodes export concurrently, records arriving through both', async () => {
    for (let round = 0; round < 6; round++) {
      for (let i = 0; i < 7; i++) await device.append({ prompt: `round ${round} item ${i}` });
      await device.sync(nodes[round % 2]!.url); // ingest through either node while both export
    }
    const ids = (await nodes[0]!.db.query<{ id: string }>('SELECT id FROM records ORDER BY seq')).map((r) => r.id);
    expect(ids).toHaveLength(42);
    await vi.waitFor(async () => {
      const [s] = await nodes[1]!.exporter.status();
      expect(s).toMatchObject({ delivered: 42, pending: 0 });
    }, WAIT);
    const delivered = inferenceIds(otlp.bodies);
    expect(delivered).toHaveLength(42);
    expect(new Set(delivered)).toEqual(new Set(ids));
  }, 240_000);
});
