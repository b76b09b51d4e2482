/**
 * ID token validation against a real provider's JWKS: each refusal the issue lists, with the
 * claim named in the error, and key rotation (a real one accepted, a made-up one refused,
 * refetches rate-limited).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { base64url, exportSPKI, generateKeyPair, exportJWK, importJWK, SignJWT, decodeProtectedHeader } from 'jose';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { IdTokenValidator, JwksCache } from '../../proxy/identity/index.js';
import { startOidcProvider, type SigningKey, type TestOidcProvider } from '../helpers/oidc.js';

let op: TestOidcProvider;
let clock: number;
const now = () => clock;

beforeAll(async () => {
  op = await startOidcProvider();
});
afterAll(async () => {
  await op?.close();
});

function validatorWith(jwks: JwksCache) {
  return new IdTokenValidator({ issuer: op.issuer, clientId: op.clientId, jwks, now, leewaySeconds: 60 });
}
function freshValidator() {
  const jwks = new JwksCache({ jwksUri: `${op.issuer}/jwks`, fetch: op.fetch, now });
  return { jwks, validator: validatorWith(jwks) };
}
const jwksFetches = () => op.requests.filter((r) => r.path === '/jwks').length;

async function refusal(p: Promise<unknown>): Promise<{ code: string; claim: string; message: string }> {
  try {
    await p;
  } catch (e) {
    const err = e as { code: string; claim: string; message: string };
    return { code: err.code, claim: err.claim, message: err.message };
  }
  throw new Error('the token was accepted');
}

beforeEach(() => {
  clock = Date.now();
});

describe('ID token validation with jose against the provider JWKS', () => {
  it('accepts a token the provider signed, with its claims', async () => {
    const { validator } = freshValidator();
    const token = await op.mintIdToken({ nonce: 'n-1' });
    const v = await validator.validate(token, { nonce: 'n-1' });
    expect(v.claims).toMatchObject({ iss: op.issuer, aud: op.clientId, sub: 'sub-alice', groups: ['engineering', 'approvers'] });
    expect(v.expiresAt).toBe((v.claims.exp as number) * 1000);
  });

  it('refuses an expired token, naming exp (and allows the small leeway)', async () => {
    const { validator } = freshValidator();
    const s = Math.floor(clock / 1000);
    expect(await refusal(validator.validate(await op.mintIdToken({ iat: s - 600, exp: s - 120 })))).toMatchObject({
      code: 'IDENTITY_TOKEN_REFUSED',
      claim: 'exp',
      message: expect.stringMatching(/^ID token refused \(exp\): expired at .*leeway 60 s/),
    });
    await expect(validator.validate(await op.mintIdToken({ iat: s - 600, exp: s - 30 }))).resolves.toBeTruthy();
  });

  it('refuses a not-yet-valid token (nbf) and one issued in the future (iat)', async () => {
    const { validator } = freshValidator();
    const s = Math.floor(clock / 1000);
    expect(await refusal(validator.validate(await op.mintIdToken({ nbf: s + 600 })))).toMatchObject({ claim: 'nbf', message: expect.stringMatching(/not valid before/) });
    expect(await refusal(validator.validate(await op.mintIdToken({ iat: s + 600, exp: s + 900 })))).toMatchObject({ claim: 'iat', message: expect.stringMatching(/issued in the future/) });
  });

  it('refuses a wrong audience, a wrong issuer, and a foreign azp', async () => {
    const { validator } = freshValidator();
    expect(await refusal(validator.validate(await op.mintIdToken({ aud: 'someone-else' })))).toMatchObject({
      claim: 'aud',
      message: `ID token refused (aud): aud "someone-else" does not include this client's id "${op.clientId}".`,
    });
    expect(await refusal(validator.validate(await op.mintIdToken({ iss: 'https://evil.example' })))).toMatchObject({
      claim: 'iss',
      message: `ID token refused (iss): iss is "https://evil.example", expected "${op.issuer}".`,
    });
    expect(await refusal(validator.validate(await op.mintIdToken({ aud: [op.clientId, 'other'] })))).toMatchObject({ claim: 'azp' });
    expect(await refusal(validator.validate(await op.mintIdToken({ azp: 'other' })))).toMatchObject({ claim: 'azp' });
    await expect(validator.validate(await op.mintIdToken({ aud: [op.clientId, 'other'], azp: op.clientId }))).resolves.toBeTruthy();
  });

  it('refuses a missing or different nonce when one was sent', async () => {
    const { validator } = freshValidator();
    expect(await refusal(validator.validate(await op.mintIdToken(), { nonce: 'sent' }))).toMatchObject({ claim: 'nonce', message: expect.stringMatching(/has no nonce/) });
    expect(await refusal(validator.validate(await op.mintIdToken({ nonce: 'other' }), { nonce: 'sent' }))).toMatchObject({ claim: 'nonce', message: expect.stringMatching(/does not match/) });
  });

  it('refuses a tampered payload (signature)', async () => {
    const { validator } = freshValidator();
    const [h, p, s] = (await op.mintIdToken()).split('.');
    const payload = JSON.parse(Buffer.from(p!, 'base64url').toString());
    payload.groups = ['admins'];
    const tampered = `${h}.${base64url.encode(JSON.stringify(payload))}.${s}`;
    expect(await refusal(validator.validate(tampered))).toMatchObject({ claim: 'signature', message: expect.stringMatching(/does not verify with the provider's key/) });
  });

  it('refuses alg "none"', async () => {
    const { validator } = freshValidator();
    const [, p] = (await op.mintIdToken()).split('.');
    const unsigned = `${base64url.encode(JSON.stringify({ alg: 'none', typ: 'JWT' }))}.${p}.`;
    expect(await refusal(validator.validate(unsigned))).toMatchObject({ claim: 'alg', message: expect.stringMatching(/alg "none" means an unsigned token/) });
  });

  it('refuses HS256 signed with the provider public key as the HMAC secret', async () => {
    const { validator } = freshValidator();
    const key = op.signingKeys()[0]!;
    const publicPem = await exportSPKI((await importJWK(key.publicJwk, key.alg)) as Parameters<typeof exportSPKI>[0]);
    const s = Math.floor(clock / 1000);
    const forged = await new SignJWT({ iss: op.issuer, aud: op.clientId, sub: 'sub-alice', iat: s, exp: s + 300, groups: ['admins'] })
      .setProtectedHeader({ alg: 'HS256', kid: key.kid })
      .sign(new TextEncoder().encode(publicPem));
    expect(await refusal(validator.validate(forged))).toMatchObject({ claim: 'alg', message: expect.stringMatching(/alg "HS256" is an HMAC \(shared-secret\) algorithm/) });
    const forgedJwk = await new SignJWT({ iss: op.issuer, aud: op.clientId, sub: 'sub-alice', iat: s, exp: s + 300 })
      .setProtectedHeader({ alg: 'HS512', kid: key.kid })
      .sign(new TextEncoder().encode(JSON.stringify(key.publicJwk)));
    expect(await refusal(validator.validate(forgedJwk))).toMatchObject({ claim: 'alg' });
  });

  it('refuses a token whose alg does not fit the key its kid names (ES256 header, RSA key) as an unknown key, not with a crash', async () => {
    // Many providers publish keys without "alg"; serve such a key set from a loopback server.
    const rsa = op.signingKeys()[0]!;
    const { alg: _alg, ...withoutAlg } = rsa.publicJwk;
    const server = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [withoutAlg] })));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    try {
      const jwks = new JwksCache({ jwksUri: `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`, now });
      const validator = validatorWith(jwks);
      await expect(validator.validate(await op.mintIdToken())).resolves.toBeTruthy();
      const ec = await attackerKey('ES256');
      const forged = await op.mintIdToken({}, { key: { ...ec, kid: rsa.kid } });
      expect(await refusal(validator.validate(forged))).toMatchObject({ code: 'IDENTITY_TOKEN_REFUSED', claim: 'kid' });
    } finally {
      server.close();
    }
  });

  it('after a key rotation that happened: the unknown kid makes one refetch and the token is accepted', async () => {
    const { jwks, validator } = freshValidator();
    await validator.validate(await op.mintIdToken());
    const before = jwksFetches();
    const rotated = await op.rotateKeys();
    clock += 60_000; // rotations happen later than the last fetch; the refetch cooldown is 30 s
    const token = await op.mintIdToken();
    expect(decodeProtectedHeader(token).kid).toBe(rotated.kid);
    await expect(validator.validate(token)).resolves.toMatchObject({ claims: { sub: 'sub-alice' } });
    expect(jwksFetches() - before).toBe(1);
    expect(jwks.fetches).toBe(2);
  });

  it('a kid that no rotation published is refused after one refetch, and further unknown kids do not refetch within the cooldown', async () => {
    const { validator } = freshValidator();
    await validator.validate(await op.mintIdToken());
    const before = jwksFetches();
    const attacker = await attackerKey();
    clock += 60_000;
    const forged = await op.mintIdToken({ groups: ['admins'] }, { key: attacker });
    const r = await refusal(validator.validate(forged));
    expect(r).toMatchObject({ claim: 'kid', message: expect.stringMatching(new RegExp(`kid "${attacker.kid}" is not among the identity provider's signing keys \\(its key set was fetched again\\)`)) });
    expect(jwksFetches() - before).toBe(1);
    // A burst of made-up kids right after: refused from the cache, no more requests to the provider.
    for (let i = 0; i < 10; i++) {
      expect((await refusal(validator.validate(await op.mintIdToken({}, { key: await attackerKey('ES256') })))).claim).toBe('kid');
    }
    expect(jwksFetches() - before).toBe(1);
    clock += 31_000;
    await refusal(validator.validate(await op.mintIdToken({}, { key: attacker })));
    expect(jwksFetches() - before).toBe(2);
  });

  it('a token signed by a retired key is refused', async () => {
    const old = op.signingKeys()[0]!;
    await op.rotateKeys();
    op.retireOldKeys();
    const { validator } = freshValidator();
    expect((await refusal(validator.validate(await op.mintIdToken({}, { key: old })))).claim).toBe('kid');
  });
});

async function attackerKey(alg: 'RS256' | 'ES256' = 'RS256'): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const kid = randomUUID();
  return { kid, alg, privateJwk: { ...(await exportJWK(privateKey)), kid, alg }, publicJwk: { ...(await exportJWK(publicKey)), kid } };
}
