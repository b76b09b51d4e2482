/**
 * The cheapest TLS-terminating relay Node can be: the floor of any interception design on
 * this host, set beside bare mockttp and Witness in the paired paced section. It answers a
 * CONNECT, terminates the client's TLS with a leaf for the Copilot host signed by its own test
 * CA, and pipes the plaintext bytes to a TLS connection to the upstream, both ways, as they
 * come: no HTTP parsing, no masking, no record, no audit. Whatever a proxy adds per event
 * beyond this is its own design's; what this adds is the hop's (two TLS sessions, one more
 * process to schedule, a second socket write per chunk).
 * Bench and test only: it trusts the upstream CA it is given and checks nothing else.
 */
import net from 'node:net';
import tls from 'node:tls';
import type { AddressInfo } from 'node:net';
import { createTestRoot, issueLeaf } from '../helpers/pki.js';

export interface Relay {
  port: number;
  /** The CA the client must trust for the relay's leaf (PEM). */
  caPem: string;
  close(): Promise<void>;
}

export interface RelayOptions {
  /** The upstream the relay connects to, whatever host the client CONNECTs to. */
  upstreamPort: number;
  upstreamHost?: string;
  /** PEM of the CA the upstream's certificate chains to. */
  upstreamCa: string;
  /** The name the relay's leaf is issued for and sends as SNI upstream. */
  hostname?: string;
}

const CONNECT_OK = Buffer.from('HTTP/1.1 200 Connection Established\r\n\r\n');

export async function startRelay(opts: RelayOptions): Promise<Relay> {
  const hostname = opts.hostname ?? 'api.githubcopilot.com';
  const ca = await createTestRoot('Witness Bench Relay Root');
  const leaf = await issueLeaf(ca, [hostname]);
  const context = tls.createSecureContext({ key: leaf.keyPem, cert: leaf.certPem });
  const terminate = (raw: net.Socket) => {
    const client = new tls.TLSSocket(raw, { isServer: true, secureContext: context, ALPNProtocols: ['http/1.1'] });
    const upstream = tls.connect({ host: opts.upstreamHost ?? '127.0.0.1', port: opts.upstreamPort, servername: hostname, ca: opts.upstreamCa, ALPNProtocols: ['http/1.1'] });
    upstream.setNoDelay(true);
    const drop = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop);
    upstream.on('error', drop);
    client.on('close', drop);
    upstream.on('close', drop);
    // Bytes the client sends before the upstream's handshake is done wait in the writable buffer.
    client.pipe(upstream);
    upstream.pipe(client);
  };
  const listener = await listenForConnects(terminate);
  return { port: listener.port, caPem: ca.certPem, close: listener.close };
}

/** A loopback listener that answers CONNECTs and hands each tunnel's socket on (relay.ts, lean-hop.ts). */
export interface ConnectListener {
  port: number;
  close(): Promise<void>;
}

/**
 * Listens on loopback; answers each CONNECT with 200 and hands the raw socket and the CONNECT's
 * target (`host:port`) to `tunnel`; anything else gets a 405.
 */
export async function listenForConnects(tunnel: (raw: net.Socket, target: string) => void): Promise<ConnectListener> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((raw) => {
    sockets.add(raw);
    raw.once('close', () => sockets.delete(raw));
    raw.setNoDelay(true);
    raw.on('error', () => raw.destroy());
    // The CONNECT head, however it is split. The client sends nothing more before the answer
    // (bytes after the head would not reach the TLS layer, which reads the socket's handle).
    let head = Buffer.alloc(0);
    const onHead = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) {
        if (head.length > 8192) raw.destroy();
        return;
      }
      raw.off('data', onHead);
      raw.pause();
      if (!head.subarray(0, 8).toString('latin1').startsWith('CONNECT ')) return void raw.end('HTTP/1.1 405 Method Not Allowed\r\n\r\n');
      if (head.length > end + 4) return void raw.destroy();
      raw.write(CONNECT_OK);
      tunnel(raw, head.toString('latin1', 8, head.indexOf(' ', 8)));
    };
    raw.on('data', onHead);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
