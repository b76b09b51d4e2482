/** The response head the forward step passes on: hop-by-hop headers dropped, the rest as received. */
import { describe, expect, it } from 'vitest';
import { responseHeaders } from '../../proxy/intercept/forward-step.js';

describe('response headers to the client', () => {
  it('drops hop-by-hop headers and those the Connection header names, keeps the rest', () => {
    const out = responseHeaders({
      headers: { 'content-type': 'text/event-stream', connection: 'keep-alive, X-Hop ,x-other', 'keep-alive': 'timeout=5', 'transfer-encoding': 'chunked', 'x-hop': '1', 'x-other': '2', 'x-request-id': 'r1', 'set-cookie': ['a=1', 'b=2'] },
    });
    expect(out).toEqual({ 'content-type': 'text/event-stream', 'x-request-id': 'r1', 'set-cookie': ['a=1', 'b=2'] });
  });

  it('without a Connection header, only the fixed hop-by-hop names go', () => {
    const out = responseHeaders({ headers: { 'content-type': 'application/json', 'content-length': '2', 'keep-alive': 'timeout=5', 'x-hop': '1' } });
    expect(out).toEqual({ 'content-type': 'application/json', 'content-length': '2', 'x-hop': '1' });
  });
});
