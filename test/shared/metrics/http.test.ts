/**
 * The read-only endpoint under attack: whatever a stranger sends to the metrics or dashboard port,
 * only GET of a listed path is answered, bodies and oversized heads are refused unread, slow and
 * surplus sockets are cut, and the endpoint keeps answering afterwards.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BadQuery, serveReadOnly, type ReadOnlyServer, type Route } from '../../../shared/metrics/http.js';
import { get, raw } from '../../helpers/http.js';

let server: ReadOnlyServer;
let served = 0;

beforeAll(async () => {
  server = await serveReadOnly({
    host: '127.0.0.1',
    port: 0,
    name: 'metrics',
    limits: { headersTimeoutMs: 500, requestTimeoutMs: 1_000, maxConnections: 4 },
    routes: new Map<string, Route>([
      ['/healthz', () => ({ status: 200, type: 'text/plain', body: `ok ${++served}\n` })],
      [
        '/q',
        (q) => {
          const n = Number(q.get('n'));
          if (!Number.isInteger(n)) throw new BadQuery('n: an integer');
          return { status: 200, type: 'text/plain', body: String(n) };
        },
      ],
      ['/boom', () => Promise.reject(new Error('route failed'))],
    ]),
  });
});
afterAll(() => server.close());

const status = (response: string): number => Number(/^HTTP\/1\.1 (\d{3})/.exec(response)?.[1]);

describe('the read-only HTTP endpoint', () => {
  it('answers GET of a listed path, with headers that keep a browser from running or framing anything else', async () => {
    const res = await get(`${server.url}/healthz`);
    expect(res.status).toBe(200);
    expect(res.body).toMatch(/^ok \d+\n$/);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
  });

  it('refuses every other method with 405 and Allow: GET', async () => {
    for (const method of ['POST', 'PUT', 'DELETE', 'HEAD', 'OPTIONS', 'TRACE', 'CONNECT']) {
      const { response } = await raw(server.port, `${method} /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n`);
      expect(status(response), method).toBe(405);
      expect(response).toMatch(/Allow: GET/i);
    }
  });

  it('refuses a GET that announces a body, unread, and closes the connection', async () => {
    const body = 'x'.repeat(1_000_000);
    const { response, closed } = await raw(server.port, `GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
    expect(status(response)).toBe(413);
    expect(closed).toBe(true);
    const chunked = await raw(server.port, 'GET /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n');
    expect(status(chunked.response)).toBe(413);
  });

  it('serves nothing outside its table: traversal, encoded dots, doubled slashes and backslashes are 404', async () => {
    for (const path of ['/../../etc/passwd', '/%2e%2e/%2e%2e/etc/passwd', '/..%2f..%2fpackage.json', '//etc/passwd', '/healthz/../../../etc/passwd%00', '/\\..\\package.json', '/healthz%2f..%2f..%2fpackage.json', '/HEALTHZ']) {
      const { response } = await raw(server.port, `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
      expect(status(response), path).toBe(404);
      expect(response).not.toMatch(/root:|"name": "flopnet"/);
    }
  });

  it('refuses a request target over 2 KiB and a head over 8 KiB', async () => {
    const long = await raw(server.port, `GET /healthz?${'a'.repeat(3_000)} HTTP/1.1\r\nHost: x\r\n\r\n`);
    expect(status(long.response)).toBe(414);
    const big = await raw(server.port, `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Filler: ${'b'.repeat(20_000)}\r\n\r\n`);
    expect([400, 431]).toContain(status(big.response));
    expect(big.closed).toBe(true);
  });

  it('answers a malformed query with 400 and the reason, and a failing route with 500 without its error', async () => {
    const bad = await get(`${server.url}/q?n=abc`);
    expect(bad).toMatchObject({ status: 400, body: 'n: an integer\n' });
    const boom = await get(`${server.url}/boom`);
    expect(boom.status).toBe(500);
    expect(boom.body).not.toContain('route failed');
  });

  it('cuts a socket that never finishes its request head, and sockets beyond its limit', async () => {
    const started = Date.now();
    const slow = await raw(server.port, 'GET /healthz HTTP/1.1\r\nHost: x\r\n', 10_000);
    expect(slow.closed).toBe(true);
    expect(Date.now() - started).toBeLessThan(9_000);

    // Four idle sockets hold every place; a fifth is closed on arrival, answered nothing.
    const { connect } = await import('node:net');
    const idle = await Promise.all(Array.from({ length: 4 }, () => new Promise<import('node:net').Socket>((resolve) => { const s = connect(server.port, '127.0.0.1', () => resolve(s)); s.on('error', () => undefined); })));
    const surplus = await raw(server.port, 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n', 2_000);
    expect(surplus).toEqual({ response: '', closed: true });
    for (const s of idle) s.destroy();
    await new Promise((r) => setTimeout(r, 50));
  });

  it('still answers after all of that', async () => {
    expect((await get(`${server.url}/healthz`)).status).toBe(200);
  });
});
