/**
 * The server's key pairs: an encryption pair (P-256; devices encrypt batches to it with JWE
 * ECDH-ES+A256KW / A256GCM) and a signing pair (Ed25519; receipts). Created by the first node
 * that starts and kept in the database, so every node of a fleet serves with the same keys;
 * the private halves are sealed (AES-256-GCM) with a key-encryption key that never enters the
 * database: scrypt of WITNESS_SERVER_PASSPHRASE when set (the same on every node), otherwise
 * a random key in DATA_DIR/server.kek (0600; one node, evaluation). The public halves are
 * also written to DATA_DIR/server-jwks.json for `witness-server keys`. Never logs a key.
 */
import { createCipheriv, createDecipheriv, randomBytes, scryptSync } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from 'jose';
import { writeAtomic } from '../proxy/fs.js';
import type { Queryable } from './db.js';

export interface ServerKeys {
  encryption: { kid: string; privateKey: CryptoKey; publicJwk: JWK };
  signing: { kid: string; privateKey: CryptoKey; publicJwk: JWK };
  jwks: { keys: JWK[] };
}

export const PASSPHRASE_ENV = 'WITNESS_SERVER_PASSPHRASE';
export const JWKS_FILE = 'server-jwks.json';

interface Sealed {
  v: 1;
  kdf: 'scrypt' | 'file';
  salt: string;
  iv: string;
  tag: string;
  ct: string;
}

function kek(dataDir: string, kdf: Sealed['kdf'], salt: Buffer, env: NodeJS.ProcessEnv): Buffer {
  if (kdf === 'scrypt') {
    const pass = env[PASSPHRASE_ENV];
    if (!pass) throw new Error(`the server keys are sealed with a passphrase: set ${PASSPHRASE_ENV} (the same on every node)`);
    return scryptSync(pass, salt, 32, { N: 1 << 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 });
  }
  const file = join(dataDir, 'server.kek');
  if (!existsSync(file)) writeAtomic(file, randomBytes(32), 0o600);
  return readFileSync(file);
}

function seal(dataDir: string, plain: Buffer, env: NodeJS.ProcessEnv): Sealed {
  const kdf: Sealed['kdf'] = env[PASSPHRASE_ENV] ? 'scrypt' : 'file';
  const salt = randomBytes(16);
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', kek(dataDir, kdf, salt, env), iv);
  c.setAAD(Buffer.from('witness-server-keys-v1'));
  const ct = Buffer.concat([c.update(plain), c.final()]);
  return { v: 1, kdf, salt: salt.toString('base64'), iv: iv.toString('base64'), tag: c.getAuthTag().toString('base64'), ct: ct.toString('base64') };
}

function unseal(dataDir: string, s: Sealed, env: NodeJS.ProcessEnv): Buffer {
  const d = createDecipheriv('aes-256-gcm', kek(dataDir, s.kdf, Buffer.from(s.salt, 'base64'), env), Buffer.from(s.iv, 'base64'));
  d.setAAD(Buffer.from('witness-server-keys-v1'));
  d.setAuthTag(Buffer.from(s.tag, 'base64'));
  try {
    return Buffer.concat([d.update(Buffer.from(s.ct, 'base64')), d.final()]);
  } catch {
    throw new Error(
      s.kdf === 'scrypt'
        ? `the server keys cannot be unsealed: ${PASSPHRASE_ENV} differs from the one they were created with`
        : `the server keys cannot be unsealed with ${join(dataDir, 'server.kek')}: another node created them (set ${PASSPHRASE_ENV} on every node)`,
    );
  }
}

async function createKeys(): Promise<{ priv: { enc: JWK; sig: JWK }; jwks: { keys: JWK[] } }> {
  const enc = await generateKeyPair('ECDH-ES+A256KW', { crv: 'P-256', extractable: true });
  const sig = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  const encPub = await exportJWK(enc.publicKey);
  const sigPub = await exportJWK(sig.publicKey);
  const encKid = await calculateJwkThumbprint(encPub);
  const sigKid = await calculateJwkThumbprint(sigPub);
  return {
    priv: { enc: { ...(await exportJWK(enc.privateKey)), kid: encKid }, sig: { ...(await exportJWK(sig.privateKey)), kid: sigKid } },
    jwks: {
      keys: [
        { ...encPub, kid: encKid, use: 'enc', alg: 'ECDH-ES+A256KW' },
        { ...sigPub, kid: sigKid, use: 'sig', alg: 'EdDSA' },
      ],
    },
  };
}

/** The server's keys from the database, created (once, fleet-wide) if absent. */
export async function loadServerKeys(db: Queryable, dataDir: string, env: NodeJS.ProcessEnv = process.env): Promise<ServerKeys> {
  let row = (await db.query<{ sealed: string; jwks: { keys: JWK[] } }>('SELECT sealed, jwks FROM server_keys WHERE id = 1'))[0];
  if (!row) {
    const made = await createKeys();
    const sealed = JSON.stringify(seal(dataDir, Buffer.from(JSON.stringify(made.priv)), env));
    await db.query('INSERT INTO server_keys (id, sealed, jwks) VALUES (1, $1, $2) ON CONFLICT (id) DO NOTHING', [sealed, JSON.stringify(made.jwks)]);
    row = (await db.query<{ sealed: string; jwks: { keys: JWK[] } }>('SELECT sealed, jwks FROM server_keys WHERE id = 1'))[0]!;
  }
  const jwks = typeof row.jwks === 'string' ? (JSON.parse(row.jwks) as { keys: JWK[] }) : row.jwks;
  const priv = JSON.parse(unseal(dataDir, JSON.parse(row.sealed) as Sealed, env).toString('utf8')) as { enc: JWK; sig: JWK };
  const encPub = jwks.keys.find((k) => k.use === 'enc')!;
  const sigPub = jwks.keys.find((k) => k.use === 'sig')!;
  writeAtomic(join(dataDir, JWKS_FILE), JSON.stringify(jwks, null, 2) + '\n', 0o644);
  return {
    encryption: { kid: encPub.kid!, privateKey: (await importJWK(priv.enc, 'ECDH-ES+A256KW')) as CryptoKey, publicJwk: encPub },
    signing: { kid: sigPub.kid!, privateKey: (await importJWK(priv.sig, 'EdDSA')) as CryptoKey, publicJwk: sigPub },
    jwks,
  };
}
