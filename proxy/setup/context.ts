/**
 * What every setup target needs to know: where the proxy listens and which root
 * certificate(s) clients must trust (`witness ca cert`: the current root, plus the next one
 * during a rotation). Works with a one-level CA and with a root + issuing CA alike: only
 * the root PEMs are used.
 */
import { X509Certificate } from 'node:crypto';
import type { HostEnv } from './host.js';

export interface RootCert {
  pem: string;
  /** The certificate's CN: the name trust stores list it under. */
  name: string;
  fingerprint256: string;
  notAfter: Date;
}

export interface SetupContext {
  h: HostEnv;
  proxy: { url: string; host: string; port: number; pacUrl: string };
  roots: RootCert[];
  /** --system: also the OS / system-wide trust store (sudo on Linux). */
  system: boolean;
}

/** Every certificate in a PEM text, in order. */
export function pemBlocks(text: string): string[] {
  return text.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g)?.map((b) => b + '\n') ?? [];
}

export function rootCert(pem: string): RootCert {
  const c = new X509Certificate(pem);
  const cn = /(?:^|\n)CN=([^\n]+)/.exec(c.subject)?.[1] ?? 'Witness Copilot Audit CA';
  return { pem: pem.replace(/\r\n/g, '\n').trim() + '\n', name: cn, fingerprint256: c.fingerprint256, notAfter: new Date(c.validTo) };
}

/** A Witness root (any generation) by its subject's organization. */
export function isWitnessRoot(pem: string): boolean {
  try {
    return /(?:^|\n)O=Witness \(local, Copilot hosts only\)/.test(new X509Certificate(pem).subject);
  } catch {
    return false;
  }
}

/** The certificates of a PEM text as X509Certificate fingerprints (unparsable blocks skipped). */
export function fingerprints(text: string): Set<string> {
  const out = new Set<string>();
  for (const b of pemBlocks(text)) {
    try {
      out.add(new X509Certificate(b).fingerprint256);
    } catch {
      // an unparsable block is not a certificate anyone trusts
    }
  }
  return out;
}
