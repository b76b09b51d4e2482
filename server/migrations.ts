/**
 * Versioned schema migrations, applied in order at start under a transaction-scoped
 * advisory lock, so two nodes starting together on one PostgreSQL apply each exactly once.
 * A migration is never edited once released: a change is a new entry at the end.
 *
 * Records are partitioned by time (native range partitioning, one partition per month,
 * created on demand by partitions.ts; the DEFAULT partition only catches what could not be
 * placed), so retention drops whole months and searches over a period touch only its
 * partitions. Full-text search is PostgreSQL's own tsvector with a GIN index.
 */
import type { Db } from './db.js';

export const MIGRATIONS: ReadonlyArray<{ version: number; name: string; sql: string }> = [
  {
    version: 1,
    name: 'devices, records, batches, receipts, security events, keys',
    sql: `
CREATE TABLE server_keys (
  id int PRIMARY KEY,
  sealed text NOT NULL,
  jwks jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE devices (
  device text PRIMARY KEY,
  public_key jsonb NOT NULL,
  owner_sub text NOT NULL,
  owner_email text,
  enrolled_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz,
  head_seq bigint,
  head_hash text,
  head_at timestamptz,
  history jsonb NOT NULL DEFAULT '[]'
);
CREATE SEQUENCE records_rid_seq;
CREATE TABLE records (
  rid bigint NOT NULL DEFAULT nextval('records_rid_seq'),
  ts timestamptz NOT NULL,
  id text NOT NULL,
  device text NOT NULL,
  seq bigint NOT NULL,
  hash text NOT NULL,
  owner_sub text NOT NULL,
  user_name text NOT NULL,
  identity_sub text,
  identity_email text,
  client text,
  model text,
  endpoint text NOT NULL,
  decision text NOT NULL,
  status text NOT NULL,
  maskings int NOT NULL,
  prompt text NOT NULL,
  response text NOT NULL,
  tools text NOT NULL,
  body text NOT NULL,
  batch_rid bigint NOT NULL,
  search tsvector GENERATED ALWAYS AS (to_tsvector('simple', prompt || ' ' || response || ' ' || tools)) STORED,
  PRIMARY KEY (ts, device, seq)
) PARTITION BY RANGE (ts);
CREATE TABLE records_default PARTITION OF records DEFAULT;
CREATE INDEX records_device_seq ON records (device, seq);
CREATE INDEX records_id ON records (id);
CREATE INDEX records_rid ON records (rid);
CREATE INDEX records_owner ON records (owner_sub, rid);
CREATE INDEX records_user ON records (user_name);
CREATE INDEX records_identity ON records (identity_email);
CREATE INDEX records_search ON records USING gin (search);
CREATE TABLE batches (
  rid bigserial PRIMARY KEY,
  batch_id text,
  device text,
  received_at timestamptz NOT NULL DEFAULT now(),
  outcome text NOT NULL,
  code text,
  from_seq bigint,
  to_seq bigint,
  body text NOT NULL
);
CREATE UNIQUE INDEX batches_accepted ON batches (batch_id) WHERE outcome = 'accepted';
CREATE INDEX batches_device ON batches (device, rid);
CREATE TABLE receipts (
  device text NOT NULL,
  seq bigint NOT NULL,
  hash text NOT NULL,
  jws text NOT NULL,
  time timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (device, seq)
);
CREATE TABLE security_events (
  id bigserial PRIMARY KEY,
  time timestamptz NOT NULL DEFAULT now(),
  device text,
  code text NOT NULL,
  message text NOT NULL,
  batch_rid bigint
);
`,
  },
  {
    version: 2,
    name: 'device check-ins, signed central policy versions',
    sql: `
ALTER TABLE devices ADD COLUMN checkin_at timestamptz;
ALTER TABLE devices ADD COLUMN checkin_device_at timestamptz;
ALTER TABLE devices ADD COLUMN version text;
ALTER TABLE devices ADD COLUMN policy_version int;
ALTER TABLE devices ADD COLUMN waiting bigint;
ALTER TABLE devices ADD COLUMN sync_lag double precision;
ALTER TABLE devices ADD COLUMN policy_problem text;
CREATE INDEX security_events_device ON security_events (device, time);
CREATE TABLE central_policies (
  version int PRIMARY KEY,
  policy jsonb NOT NULL,
  jws text NOT NULL,
  published_at timestamptz NOT NULL DEFAULT now(),
  published_by text NOT NULL
);
`,
  },
  {
    version: 3,
    name: 'index the identity subject (the user filter matches it; without it every user search read every row)',
    sql: `
CREATE INDEX records_identity_sub ON records (identity_sub);
`,
  },
  {
    version: 4,
    name: 'fleet health: interception, CA expiry, TLS failures and traffic from check-ins',
    sql: `
ALTER TABLE devices ADD COLUMN interception_paused boolean;
ALTER TABLE devices ADD COLUMN ca_expires_at timestamptz;
ALTER TABLE devices ADD COLUMN tls_failures int;
ALTER TABLE devices ADD COLUMN traffic_intercepted bigint;
ALTER TABLE devices ADD COLUMN traffic_tunnelled bigint;
`,
  },
  {
    version: 5,
    name: 'second reviews of held tool calls',
    sql: `
CREATE TABLE reviews (
  id text PRIMARY KEY,
  device text NOT NULL,
  hold text NOT NULL,
  tool text NOT NULL,
  preview text NOT NULL,
  rule_id text NOT NULL,
  reasons jsonb NOT NULL,
  review_group text NOT NULL,
  args_hash text NOT NULL,
  requester jsonb NOT NULL,
  owner_sub text NOT NULL,
  requested_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  state text NOT NULL DEFAULT 'pending',
  decided_at timestamptz,
  reviewer jsonb,
  reason text,
  jws text,
  UNIQUE (device, hold)
);
CREATE INDEX reviews_state ON reviews (state, review_group, requested_at);
`,
  },
  {
    version: 6,
    name: 'SIEM export: the export order, per-destination cursors, dead letters',
    sql: `
CREATE TABLE siem_inbox (rid bigint PRIMARY KEY);
CREATE TABLE siem_log (pos bigint PRIMARY KEY, rid bigint NOT NULL UNIQUE);
CREATE FUNCTION siem_enqueue() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN INSERT INTO siem_inbox (rid) VALUES (NEW.rid) ON CONFLICT DO NOTHING; RETURN NULL; END$$;
CREATE TRIGGER records_siem_enqueue AFTER INSERT ON records FOR EACH ROW EXECUTE FUNCTION siem_enqueue();
INSERT INTO siem_inbox (rid) SELECT rid FROM records;
CREATE TABLE siem_cursors (
  destination text PRIMARY KEY,
  cursor bigint NOT NULL DEFAULT 0,
  delivered bigint NOT NULL DEFAULT 0,
  dead_letters bigint NOT NULL DEFAULT 0,
  failures int NOT NULL DEFAULT 0,
  next_attempt_at timestamptz,
  lease_owner text,
  lease_until timestamptz,
  last_error text,
  last_error_at timestamptz,
  last_delivered_at timestamptz
);
CREATE TABLE siem_dead_letters (
  id bigserial PRIMARY KEY,
  destination text NOT NULL,
  pos bigint NOT NULL,
  record_id text NOT NULL,
  status int,
  error text NOT NULL,
  at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX siem_dead_letters_destination ON siem_dead_letters (destination, id);
`,
  },
  {
    version: 7,
    name: 'ingest cost: the SIEM inbox filled once per statement, the batch evidence stored without a compression attempt',
    sql: `
CREATE FUNCTION siem_enqueue_rows() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN INSERT INTO siem_inbox (rid) SELECT rid FROM siem_new_rows ON CONFLICT DO NOTHING; RETURN NULL; END$$;
DROP TRIGGER records_siem_enqueue ON records;
DROP FUNCTION siem_enqueue();
CREATE TRIGGER records_siem_enqueue AFTER INSERT ON records REFERENCING NEW TABLE AS siem_new_rows FOR EACH STATEMENT EXECUTE FUNCTION siem_enqueue_rows();
ALTER TABLE batches ALTER COLUMN body SET STORAGE EXTERNAL;
`,
  },
  {
    version: 8,
    name: 'batch evidence as the bytes received (bytea, a binary parameter: no text encoding of ~300 KB per batch on either side)',
    sql: `
ALTER TABLE batches ALTER COLUMN body TYPE bytea USING convert_to(body, 'UTF8');
ALTER TABLE batches ALTER COLUMN body SET STORAGE EXTERNAL;
`,
  },
  {
    version: 9,
    name: 'records rows up to a page kept whole: no compression attempt below 8,160 bytes (toast_tuple_target on every partition)',
    sql: `
DO $$DECLARE p regclass; BEGIN FOR p IN SELECT inhrelid::regclass FROM pg_inherits WHERE inhparent = 'records'::regclass LOOP EXECUTE format('ALTER TABLE %s SET (toast_tuple_target = 8160)', p); END LOOP; END$$;
`,
  },
  {
    version: 10,
    name: 'batch evidence compacted: the JWE ciphertext as bytes and the frame around it (body_frame); batch_evidence(body_frame, body) gives back the bytes received',
    sql: `
ALTER TABLE batches ADD COLUMN body_frame text;
CREATE FUNCTION batch_evidence(frame text, body bytea) RETURNS bytea LANGUAGE sql IMMUTABLE AS $$ SELECT CASE WHEN frame IS NULL THEN body ELSE convert_to(split_part(frame, '.', 1) || '.' || translate(encode(convert_to(split_part(frame, '.', 2) || '.' || split_part(frame, '.', 3) || '.' || split_part(frame, '.', 4) || '.' || translate(encode(body, 'base64'), '+/=' || chr(10), '-_') || '.' || split_part(frame, '.', 5), 'UTF8'), 'base64'), '+/=' || chr(10), '-_') || '.' || split_part(frame, '.', 6), 'UTF8') END $$;
`,
  },
];

/** Applies the migrations the database has not seen; returns the versions applied now. */
export async function migrate(db: Db): Promise<number[]> {
  return db.tx(async (q) => {
    // The lock first: two nodes creating the bookkeeping table at once would collide.
    await q.query('SELECT pg_advisory_xact_lock(7461726)');
    await q.query('CREATE TABLE IF NOT EXISTS schema_migrations (version int PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())');
    const done = new Set((await q.query<{ version: number }>('SELECT version FROM schema_migrations')).map((r) => Number(r.version)));
    const applied: number[] = [];
    for (const m of MIGRATIONS) {
      if (done.has(m.version)) continue;
      for (const stmt of m.sql.split(/;\s*\n/).map((s) => s.trim()).filter(Boolean)) await q.query(stmt);
      await q.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
      applied.push(m.version);
    }
    return applied;
  });
}
