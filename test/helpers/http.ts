/**
 * Reading what a flopnet HTTP endpoint serves: a GET with its status, headers and body, a request
 * written byte for byte on a raw socket (for requests a well-behaved client would not send), and a
 * Prometheus text exposition parsed into `name{label="value",...}` → value.
 */
import { connect } from 'node:net';

export async function get(url: string): Promise<{ status: number; headers: Headers; body: string }> {
  const res = await fetch(url);
  return { status: res.status, headers: res.headers, body: await res.text() };
}

/** Writes `request` as it is and resolves with everything the server sent before closing (or `waitMs`). */
export function raw(port: number, request: string | Buffer, waitMs = 3_000): Promise<{ response: string; closed: boolean }> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let response = '';
    let closed = false;
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ response, closed });
    }, waitMs);
    socket.on('data', (d) => (response += d.toString('latin1')));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      closed = true;
      clearTimeout(timer);
      resolve({ response, closed });
    });
    socket.on('connect', () => socket.write(request));
  });
}

/** Samples of a Prometheus text exposition, keyed by the name and its labels in the order written. */
export function parseMetrics(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{.*\})?) (\S+)$/.exec(line);
    if (!match) throw new Error(`not a sample line: ${line}`);
    out.set(match[1]!, Number(match[2]));
  }
  return out;
}

export async function scrape(url: string): Promise<Map<string, number>> {
  const res = await get(url);
  if (res.status !== 200) throw new Error(`scrape ${url}: HTTP ${res.status}: ${res.body}`);
  return parseMetrics(res.body);
}
