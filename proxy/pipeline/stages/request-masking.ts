/**
 * Request masking: reads the body (decoded), masks every secret in it and builds the
 * request view from the masked copy only. Under `masking.requests: "mask"` the masked body
 * is what goes upstream (uncompressed, right length, every other header unchanged).
 * Decides nothing: refusals are request policy's.
 *
 * A JSON object body is read piece by piece (protocols' JsonBodyMasker): never decoded as
 * one string, the pieces an agent resends unchanged every turn neither parsed nor scanned
 * again, and what goes upstream is the client's bytes with only the masked pieces
 * re-encoded. Any other body is read whole.
 */
import type { OutgoingHttpHeaders } from 'node:http';
import type { Config } from '../../config/index.js';
import { decodeBody } from '../../content-decoding.js';
import type { Masker, PlaceholderLedger } from '../../masking/index.js';
import { JsonBodyMasker, maskDeep } from '../../protocols/index.js';
import type { Stage } from '../flow.js';

const TEXTUAL = /^(?:text\/|application\/(?:json|x-ndjson|.*\+json|x-www-form-urlencoded))/i;

export interface RequestMaskingOptions {
  masker: Masker;
  masking: Config['masking'];
  maxInspectedBodyBytes: number;
  /** The placeholder round trip: every secret masked here is remembered (in memory) for the editor's copy of the answer. */
  restore?: { ledger: PlaceholderLedger; enabled: () => boolean };
}

export function requestMasking(opts: RequestMaskingOptions): Stage {
  // Bounded by the same budget as the masker's own cache (masking.cacheChars; 0: none).
  const bodies = new JsonBodyMasker(opts.masking.cacheChars ?? 8 * 1024 * 1024);
  return {
    name: 'request-masking',
    request(flow, body) {
      const { req } = flow;
      // Only what goes upstream masked can come back as a placeholder worth restoring.
      const masker = opts.restore?.enabled() && opts.masking.requests === 'mask' ? opts.restore.ledger.recording(opts.masker) : opts.masker;
      const uninspectable = (reason: string) => {
        flow.notInspected.push(`request: ${reason}`);
        flow.request.uninspectable = reason;
      };
      if (body === null) return uninspectable(`body larger than ${opts.maxInspectedBodyBytes} bytes`);
      if (body.length === 0) return;
      const decoded = decodeBody(body, req.headers['content-encoding'], opts.maxInspectedBodyBytes);
      if (!decoded.ok) return uninspectable(decoded.reason);

      const fromPieces = bodies.mask(decoded.body, masker);
      if (fromPieces) {
        const { value, findings, bytes } = fromPieces;
        for (const f of findings) flow.maskings.set(f.type, (flow.maskings.get(f.type) ?? 0) + 1);
        flow.request.findings = findings.map((f) => f.type);
        flow.view = flow.family.readRequest(flow.path, value);
        if (findings.length === 0 || opts.masking.requests !== 'mask' || !bytes) return;
        flow.request.forward = { body: bytes, headers: forwardHeaders(req.headers) };
        return;
      }

      const type = String(req.headers['content-type'] ?? 'application/json');
      const text = decoded.body.toString('utf8');
      let parsed: unknown;
      let isJson = false;
      try {
        parsed = JSON.parse(text);
        isJson = true;
      } catch {
        if (!TEXTUAL.test(type)) return uninspectable(`content-type ${type} is not inspected`);
      }

      let maskedText = text;
      let findings: Array<{ type: string }>;
      let maskedValue: unknown = parsed;
      if (isJson) {
        const r = maskDeep(parsed, masker);
        findings = r.findings;
        maskedValue = r.value;
        if (r.value !== parsed) maskedText = JSON.stringify(r.value);
      } else {
        const r = masker.mask(text);
        findings = r.findings;
        maskedText = r.text;
      }
      for (const f of findings) flow.maskings.set(f.type, (flow.maskings.get(f.type) ?? 0) + 1);
      flow.request.findings = findings.map((f) => f.type);
      flow.view = flow.family.readRequest(flow.path, isJson ? maskedValue : null);
      if (!isJson) flow.view.prompt = maskedText;
      if (findings.length === 0 || opts.masking.requests !== 'mask') return;
      flow.request.forward = { body: Buffer.from(maskedText, 'utf8'), headers: forwardHeaders(req.headers) };
    },
  };
}

/** The request's headers for a masked body: sent uncompressed, its length set anew. */
function forwardHeaders(sent: OutgoingHttpHeaders): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = { ...sent };
  delete headers['content-encoding'];
  delete headers['content-length'];
  return headers;
}
