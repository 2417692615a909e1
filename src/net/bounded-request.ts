// One HTTP request, bounded in every phase, that tells in which phase it failed: what preflight and alert
// delivery both need. Its own undici Agent (destroyed after, so no socket outlives the request);
// credentials written in the URL go as Basic auth and never into a message; the body is read up to a cap.

import type { LookupFunction } from 'node:net';
// undici is loaded on the first request: the Playwright runner and its worker load this file with the login
// and most runs never make such a request there (npm run bench: 40 ms of each process's start).

/** Where the request was when it failed: decides what a timeout means. */
export type RequestPhase = 'dns' | 'connect' | 'headers' | 'body';

export interface BoundedRequest {
  method: 'GET' | 'POST' | 'PUT';
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
  /** Aborts the request; defaults to a timeout of timeoutMs. */
  signal?: AbortSignal;
  /** Addresses already resolved, so the name is not looked up a second time. */
  lookup?: LookupFunction;
  maxBodyBytes: number;
}

export type BoundedOutcome =
  | { ok: true; status: number; headers: Record<string, string | string[] | undefined>; body: string }
  | { ok: false; phase: RequestPhase; error: unknown };

export async function boundedRequest(url: URL, opts: BoundedRequest): Promise<BoundedOutcome> {
  const { Agent, request } = await import('undici');
  let phase: RequestPhase = 'connect';
  const agent = new Agent({
    connect: { timeout: opts.timeoutMs, ...(opts.lookup ? { lookup: opts.lookup } : {}) },
    headersTimeout: opts.timeoutMs,
    bodyTimeout: opts.timeoutMs,
    connections: 1,
  });
  // Emitted once the socket is up (TLS handshake included): from then on only the response is awaited.
  agent.on('connect', () => {
    if (phase === 'connect') phase = 'headers';
  });
  try {
    const headers = { ...opts.headers };
    if (url.username || url.password) {
      // Credentials in the URL are meant for the server: sent as Basic auth, never shown.
      const credentials = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
      headers.authorization = `Basic ${Buffer.from(credentials).toString('base64')}`;
    }
    const bare = new URL(url);
    bare.username = '';
    bare.password = '';
    bare.hash = '';
    const response = await request(bare, {
      method: opts.method,
      headers,
      body: opts.body,
      dispatcher: agent,
      signal: opts.signal ?? AbortSignal.timeout(opts.timeoutMs),
    });
    phase = 'body';
    const body = await readCapped(response.body, opts.maxBodyBytes);
    return { ok: true, status: response.statusCode, headers: response.headers, body };
  } catch (error) {
    return { ok: false, phase, error };
  } finally {
    await agent.destroy().catch(() => undefined);
  }
}

async function readCapped(body: AsyncIterable<Buffer> & { destroy(): unknown }, maxBytes: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    chunks.push(chunk);
    size += chunk.length;
    if (size >= maxBytes) {
      body.destroy();
      break;
    }
  }
  return Buffer.concat(chunks).subarray(0, maxBytes).toString('utf8');
}
