import net from 'node:net';
import { EventEmitter } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isLoopbackAddress, refuseNonLoopbackPeers } from '../../proxy/loopback.js';
import { startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream.js';
import { startTestEngine, type TestEngine } from '../helpers/engine.js';

describe('loopback only', () => {
  it('recognises loopback peers in every notation and nothing else', () => {
    for (const a of ['127.0.0.1', '127.8.9.10', '::1', '::ffff:127.0.0.1']) expect(isLoopbackAddress(a)).toBe(true);
    for (const a of ['10.0.0.5', '192.168.1.20', '172.16.0.1', '0.0.0.0', '::', 'fe80::1', '::ffff:10.0.0.1', '128.0.0.1', '', undefined]) {
      expect(isLoopbackAddress(a)).toBe(false);
    }
  });

  it('drops a connection whose peer is not loopback before any byte is read', () => {
    const server = new EventEmitter() as unknown as net.Server;
    const refused: string[] = [];
    refuseNonLoopbackPeers(server, (p) => refused.push(p));
    const handled: string[] = [];
    server.on('connection', (s: net.Socket) => {
      if (!s.destroyed) handled.push(s.remoteAddress!);
    });
    const fake = (remoteAddress: string) => {
      const s = { remoteAddress, destroyed: false, destroy() { this.destroyed = true; } };
      return s as unknown as net.Socket;
    };
    server.emit('connection', fake('192.168.1.50'));
    server.emit('connection', fake('127.0.0.1'));
    expect(refused).toEqual(['192.168.1.50']);
    expect(handled).toEqual(['127.0.0.1']);
  });

  describe('a running engine', () => {
    let upstream: FakeUpstream;
    let t: TestEngine;
    beforeAll(async () => {
      upstream = await startFakeUpstream();
      t = await startTestEngine(upstream);
    });
    afterAll(async () => {
      await t?.stop();
      await upstream?.close();
    });

    it('binds the proxy and the control API to 127.0.0.1 only', async () => {
      const ports = [t.engine.proxyPort, Number(new URL(t.engine.controlUrl).port)];
      for (const port of ports) {
        // Reachable on 127.0.0.1 …
        await new Promise<void>((resolve, reject) => {
          const s = net.connect({ host: '127.0.0.1', port }, () => (s.destroy(), resolve()));
          s.once('error', reject);
        });
        // … but the same port on another address of this host is free for anyone else to bind:
        // a wildcard listener would make this fail with EADDRINUSE.
        const other = net.createServer();
        await new Promise<void>((resolve, reject) => {
          other.once('error', reject);
          other.listen({ host: '127.0.0.2', port }, () => resolve());
        });
        other.close();
      }
    });
  });
});
