/**
 * The redirect target of a browser sign-in (RFC 8252 §7.3): an HTTP listener on 127.0.0.1
 * with a port the OS picks, for one answer. It waits for GET /callback carrying this sign-in's
 * `state` (anything else gets an error page and does not count), hands the URL over, answers
 * the browser tab once the sign-in has been processed, then closes. It gives up after a
 * timeout. Never listens beyond loopback; never logs the query (it holds the code).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WitnessError } from '../errors.js';

export interface RedirectListener {
  /** http://127.0.0.1:PORT/callback */
  readonly redirectUri: string;
  /** Resolves with the callback URL; `answer` then writes the tab's page and closes the listener. */
  readonly received: Promise<{ url: URL; answer(ok: boolean, message: string): void }>;
  close(): void;
}

export async function listenForRedirect(opts: { state: string; timeoutMs: number; path?: string }): Promise<RedirectListener> {
  const path = opts.path ?? '/callback';
  let resolve!: (v: { url: URL; answer(ok: boolean, message: string): void }) => void;
  let reject!: (e: Error) => void;
  const received = new Promise<{ url: URL; answer(ok: boolean, message: string): void }>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  received.catch(() => {}); // the caller may stop listening before awaiting
  let done = false;
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (done || req.method !== 'GET' || url.pathname !== path) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not found.');
      return;
    }
    if (url.searchParams.get('state') !== opts.state) {
      // Not the answer to this sign-in (an old tab, or another program): ignore it and keep waiting.
      res.writeHead(400, { 'content-type': 'text/html; charset=utf-8' }).end(page(false, 'This sign-in link is not the one Witness is waiting for. Go back to the terminal.'));
      return;
    }
    done = true;
    clearTimeout(timer);
    resolve({
      url: new URL(req.url ?? '/', `http://127.0.0.1:${port}`),
      answer: (ok, message) => {
        res.writeHead(ok ? 200 : 400, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', connection: 'close' });
        res.end(page(ok, message), () => close());
      },
    });
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  await new Promise<void>((res, rej) => {
    server.once('error', (e) => rej(new WitnessError('LISTEN_FAILED', `Cannot open the sign-in redirect listener on 127.0.0.1: ${e.message}`, { cause: e })));
    server.listen(0, '127.0.0.1', () => res());
  });
  const port = (server.address() as AddressInfo).port;
  const close = () => {
    done = true;
    clearTimeout(timer);
    server.close();
    server.closeAllConnections();
  };
  const timer = setTimeout(() => {
    close();
    reject(
      new WitnessError(
        'IDENTITY_SIGN_IN_EXPIRED',
        `No answer from the browser within ${Math.round(opts.timeoutMs / 1000)} s. Run \`witness login\` again; if your identity provider refuses loopback redirects on any port, use \`witness login --device\`.`,
      ),
    );
  }, opts.timeoutMs);
  timer.unref();
  return {
    redirectUri: `http://127.0.0.1:${port}${path}`,
    received,
    close: () => {
      if (!done) reject(new WitnessError('IDENTITY_SIGN_IN_FAILED', 'Sign-in was cancelled.'));
      close();
    },
  };
}

function page(ok: boolean, message: string): string {
  const esc = message.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
  return `<!DOCTYPE html><html><head><meta charset="utf-8"><title>Witness sign-in</title></head><body style="font-family:system-ui,sans-serif;margin:3em"><h1>${ok ? 'Signed in to Witness' : 'Witness sign-in failed'}</h1><p id="${ok ? 'witness-signed-in' : 'witness-sign-in-failed'}">${esc}</p></body></html>`;
}
