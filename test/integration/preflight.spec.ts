// Preflight against small local servers, one per failure: each is started on 127.0.0.1 port 0 in the test and
// closed in the fixture's teardown, whatever the test did. Whole checks are asserted (the time taken aside).

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net, { type AddressInfo } from 'node:net';
import { expect } from '@playwright/test';
import { preflight, preflightTargets, type PreflightCheck } from '../../src/preflight/preflight';
import { test } from './local-server';

/** Every check's time is a number; what it is belongs to benchmarks, not to these tests. */
const anyMs = expect.any(Number) as unknown as number;

/** Open connections the server still has: after a preflight, none (each call closes its Agent). */
function connections(server: net.Server): Promise<number> {
  return new Promise((resolve, reject) =>
    server.getConnections((error, count) => (error ? reject(error) : resolve(count))),
  );
}

/** A port nobody listens on: listen on port 0, learn the port, close. */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** An HTTP server answering each path with a status and a body (JSON when not a string). */
function routes(table: Record<string, [number, unknown]>): http.Server {
  return http.createServer((req, res) => {
    const [status, body] = table[req.url ?? ''] ?? [404, { error: 'no such route' }];
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    res.writeHead(status, { 'content-type': typeof body === 'string' ? 'text/html' : 'application/json' });
    res.end(text);
  });
}

test.describe.configure({ timeout: 15_000 });

test('a port nobody listens on: refused, naming the address', async ({}) => {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/health`;
  const result = await preflight([{ name: 'api /health', url }], { timeoutMs: 2000 });
  const detail = `ECONNREFUSED 127.0.0.1:${port}: nothing listens there`;
  expect(result).toEqual({
    ok: false,
    degraded: false,
    checks: [{ name: 'api /health', url, ok: false, ms: anyMs, cause: 'refused', detail }],
    message: `preflight: api /health ${url}: refused (${detail})`,
  });
});

test('HTTP 503 with a JSON body: http, the status and a short excerpt of the body', async ({ listen }) => {
  const long = 'x'.repeat(300);
  const port = await listen(
    routes({ '/health': [503, { status: 'down' }], '/long': [500, `<h1>oops</h1>\n\n${long}`] }),
  );
  const result = await preflight(
    [
      { name: 'api /health', url: `http://127.0.0.1:${port}/health` },
      { name: 'api /long', url: `http://127.0.0.1:${port}/long` },
    ],
    { timeoutMs: 2000 },
  );
  const longExcerpt = `<h1>oops</h1> ${long}`.slice(0, 119) + '…';
  expect(longExcerpt).toHaveLength(120);
  expect(result).toEqual({
    ok: false,
    degraded: false,
    checks: [
      {
        name: 'api /health',
        url: `http://127.0.0.1:${port}/health`,
        ok: false,
        ms: anyMs,
        status: 503,
        health: 'down',
        cause: 'http',
        detail: 'HTTP 503 Service Unavailable: {"status":"down"}',
      },
      {
        name: 'api /long',
        url: `http://127.0.0.1:${port}/long`,
        ok: false,
        ms: anyMs,
        status: 500,
        cause: 'http',
        detail: `HTTP 500 Internal Server Error: ${longExcerpt}`,
      },
    ],
    message: `preflight: api /health http://127.0.0.1:${port}/health: http (HTTP 503 Service Unavailable: {"status":"down"}); 1 more failing: api /long`,
  });
});

test('a server that accepts and never answers, and one that stalls its body: timeout, and preflight returns', async ({
  listen,
}) => {
  test.setTimeout(8_000); // Preflight's own bound is 1 s; this only stops a hang from blocking the suite.
  // Reads (so it sees the client hang up) but never writes.
  const silent = net.createServer((socket) => socket.resume());
  const silentPort = await listen(silent);
  const stalling = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write('{"status":');
  });
  const stallingPort = await listen(stalling);

  const result = await preflight(
    [
      { name: 'api /health', url: `http://127.0.0.1:${silentPort}/health` },
      { name: 'auth /health', url: `http://127.0.0.1:${stallingPort}/health` },
    ],
    { timeoutMs: 1000 },
  );
  expect(result.checks).toEqual([
    {
      name: 'api /health',
      url: `http://127.0.0.1:${silentPort}/health`,
      ok: false,
      ms: anyMs,
      cause: 'timeout',
      detail: 'no response headers within 1000 ms',
    },
    {
      name: 'auth /health',
      url: `http://127.0.0.1:${stallingPort}/health`,
      ok: false,
      ms: anyMs,
      cause: 'timeout',
      detail: 'response body not complete within 1000 ms',
    },
  ]);
  expect(result.message).toBe(
    `preflight: api /health http://127.0.0.1:${silentPort}/health: timeout (no response headers within 1000 ms); 1 more failing: auth /health`,
  );
  // Each call's Agent is destroyed: the servers see their connections closed.
  await expect.poll(() => connections(silent)).toBe(0);
  await expect.poll(() => connections(stalling)).toBe(0);
});

test('a self-signed certificate: tls, with the Node error code; verification stays on', async ({
  listen,
}, testInfo) => {
  const openssl = spawnSync('openssl', ['version'], { encoding: 'utf8' });
  test.skip(
    openssl.error !== undefined || openssl.status !== 0,
    'the openssl CLI is not installed (Node cannot make a certificate alone)',
  );
  const key = testInfo.outputPath('k.pem');
  const cert = testInfo.outputPath('c.pem');
  const made = spawnSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ],
    { encoding: 'utf8' },
  );
  expect(made.status, made.stderr).toBe(0);
  const server = https.createServer({ key: readFileSync(key), cert: readFileSync(cert) }, (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"status":"healthy"}');
  });
  const port = await listen(server);

  const result = await preflight([{ name: 'api /health', url: `https://127.0.0.1:${port}/health` }], {
    timeoutMs: 2000,
  });
  expect(result.checks).toEqual([
    {
      name: 'api /health',
      url: `https://127.0.0.1:${port}/health`,
      ok: false,
      ms: anyMs,
      cause: 'tls',
      detail: 'certificate: self-signed certificate (DEPTH_ZERO_SELF_SIGNED_CERT)',
    },
  ]);
  expect(result.ok).toBe(false);
});

test('https to a plain HTTP port: tls, with the code and a hint', async ({ listen }) => {
  const port = await listen(routes({ '/health': [200, { status: 'healthy' }] }));
  const result = await preflight([{ name: 'api /health', url: `https://127.0.0.1:${port}/health` }], {
    timeoutMs: 2000,
  });
  expect(result.checks).toEqual([
    {
      name: 'api /health',
      url: `https://127.0.0.1:${port}/health`,
      ok: false,
      ms: anyMs,
      cause: 'tls',
      detail:
        'TLS handshake failed: wrong version number (ERR_SSL_WRONG_VERSION_NUMBER): does that port speak plain HTTP?',
    },
  ]);
});

test('a server that hangs up after the request: network', async ({ listen }) => {
  const port = await listen(net.createServer((socket) => socket.once('data', () => socket.end())));
  const result = await preflight([{ name: 'api /health', url: `http://127.0.0.1:${port}/health` }], {
    timeoutMs: 2000,
  });
  expect(result.checks).toEqual([
    {
      name: 'api /health',
      url: `http://127.0.0.1:${port}/health`,
      ok: false,
      ms: anyMs,
      cause: 'network',
      detail: `127.0.0.1:${port} closed the connection before a complete response (UND_ERR_SOCKET)`,
    },
  ]);
});

test('a name that does not resolve: dns', async ({}) => {
  const url = 'http://no-such-host.invalid/health';
  const result = await preflight([{ name: 'api /health', url }], { timeoutMs: 2000 });
  // ENOTFOUND with a resolver; EAI_AGAIN on a machine without one; no answer at all when it hangs.
  const detail = expect.stringMatching(
    /^getaddrinfo (ENOTFOUND|EAI_AGAIN) no-such-host\.invalid$|^no DNS answer for no-such-host\.invalid within 2000 ms$/,
  );
  expect(result).toEqual({
    ok: false,
    degraded: false,
    checks: [{ name: 'api /health', url, ok: false, ms: anyMs, cause: 'dns', detail }],
    message: expect.stringMatching(
      /^preflight: api \/health http:\/\/no-such-host\.invalid\/health: dns \((getaddrinfo|no DNS answer)/,
    ),
  });
});

test.describe('health bodies', () => {
  let port = 0;
  let server: http.Server;
  test.beforeEach(async ({ listen }) => {
    server = routes({
      '/healthy': [200, { status: 'healthy', version: '1.2.3' }],
      '/up': [200, { status: 'UP' }],
      '/degraded': [200, { status: 'degraded', version: 7 }],
      '/down': [200, { status: 'down', version: '1.2.3' }],
      '/page': [200, '<!doctype html><title>app</title>'],
      '/plain-json': [200, { name: 'api' }],
    });
    port = await listen(server);
  });
  const target = (name: string, path: string) => ({ name, url: `http://127.0.0.1:${port}${path}` });

  test('healthy with a version, UP, a JSON without status and a page: all ok, with the version', async ({}) => {
    const result = await preflight(
      [
        target('api /health', '/healthy'),
        target('auth /health', '/up'),
        target('api /info', '/plain-json'),
        target('app /', '/page'),
      ],
      { timeoutMs: 2000 },
    );
    expect(result).toEqual({
      ok: true,
      degraded: false,
      checks: [
        {
          ...target('api /health', '/healthy'),
          ok: true,
          ms: anyMs,
          status: 200,
          health: 'healthy',
          version: '1.2.3',
          detail: 'healthy, version 1.2.3',
        },
        { ...target('auth /health', '/up'), ok: true, ms: anyMs, status: 200, health: 'UP', detail: 'UP' },
        {
          ...target('api /info', '/plain-json'),
          ok: true,
          ms: anyMs,
          status: 200,
          detail: 'HTTP 200 OK, JSON without a "status" field',
        },
        { ...target('app /', '/page'), ok: true, ms: anyMs, status: 200, detail: 'HTTP 200 OK, not JSON (a page)' },
      ],
      message: 'preflight: 4 targets healthy (api 1.2.3)',
    });
    await expect.poll(() => connections(server)).toBe(0);
  });

  test('degraded: ok, and the result says degraded', async ({}) => {
    const result = await preflight([target('api /health', '/healthy'), target('api /ws/health', '/degraded')], {
      timeoutMs: 2000,
    });
    expect(result).toEqual({
      ok: true,
      degraded: true,
      checks: [
        {
          ...target('api /health', '/healthy'),
          ok: true,
          ms: anyMs,
          status: 200,
          health: 'healthy',
          version: '1.2.3',
          detail: 'healthy, version 1.2.3',
        },
        {
          ...target('api /ws/health', '/degraded'),
          ok: true,
          ms: anyMs,
          status: 200,
          health: 'degraded',
          version: '7',
          detail: 'degraded, version 7: up, but the target reports itself degraded',
        },
      ],
      message: 'preflight: 2 targets up, 1 degraded: api /ws/health (api 1.2.3, api 7)',
    });
  });

  test('200 with {"status":"down"}: unhealthy', async ({}) => {
    const result = await preflight([target('api /health', '/healthy'), target('auth /health', '/down')], {
      timeoutMs: 2000,
    });
    const detail =
      'status "down", version 1.2.3, not one of healthy, ok, up, pass (HTTP 200 OK: {"status":"down","version":"1.2.3"})';
    expect(result).toEqual({
      ok: false,
      degraded: false,
      checks: [
        {
          ...target('api /health', '/healthy'),
          ok: true,
          ms: anyMs,
          status: 200,
          health: 'healthy',
          version: '1.2.3',
          detail: 'healthy, version 1.2.3',
        },
        {
          ...target('auth /health', '/down'),
          ok: false,
          ms: anyMs,
          status: 200,
          health: 'down',
          version: '1.2.3',
          cause: 'unhealthy',
          detail,
        },
      ],
      message: `preflight: auth /health http://127.0.0.1:${port}/down: unhealthy (${detail})`,
    });
  });
});

test('credentials in the URL are sent, never shown: not in the message, the details or the URL', async ({ listen }) => {
  let authorization: string | undefined;
  // The worst server: it echoes what it got, credentials included.
  const port = await listen(
    http.createServer((req, res) => {
      authorization = req.headers.authorization;
      const basic = Buffer.from((authorization ?? '').replace(/^Basic /, ''), 'base64').toString();
      res.writeHead(401, { 'content-type': 'text/plain' });
      res.end(`denied ${basic} for ${req.url}`);
    }),
  );
  const url = `http://u:secret@127.0.0.1:${port}/health?token=tok-123456&ticket=tik-7890&api_key=k-24680&x=1`;
  const result = await preflight([{ name: 'api /health', url }], { timeoutMs: 2000 });

  expect(authorization).toBe(`Basic ${Buffer.from('u:secret').toString('base64')}`);
  const shown = `http://127.0.0.1:${port}/health?token=[REDACTED]&ticket=[REDACTED]&api_key=[REDACTED]&x=1`;
  expect(result.checks).toEqual([
    {
      name: 'api /health',
      url: shown,
      ok: false,
      ms: anyMs,
      status: 401,
      cause: 'http',
      detail:
        'HTTP 401 Unauthorized: denied u:[REDACTED] for /health?token=[REDACTED]&ticket=[REDACTED]&api_key=[REDACTED]&x=1',
    } satisfies PreflightCheck,
  ]);
  const everything = JSON.stringify(result);
  for (const secret of ['secret', 'tok-123456', 'tik-7890', 'k-24680']) expect(everything).not.toContain(secret);
  expect(result.message.startsWith(`preflight: api /health ${shown}: http (HTTP 401 Unauthorized`)).toBe(true);

  // A refused URL with credentials says so without them too.
  const free = await freePort();
  const refused = await preflight([{ name: 'app /', url: `http://u:secret@127.0.0.1:${free}/?key=abc123` }], {
    timeoutMs: 2000,
  });
  expect(refused.message).toBe(
    `preflight: app / http://127.0.0.1:${free}/?key=[REDACTED]: refused (ECONNREFUSED 127.0.0.1:${free}: nothing listens there)`,
  );
});

test('preflightTargets expands placeholders and names each target; an unknown placeholder is an error naming it', () => {
  const urls = {
    appUrl: 'https://app.example.test/',
    apiUrl: 'https://api.example.test',
    authUrl: 'https://auth.example.test/',
  };
  expect(preflightTargets(urls, ['{api}/health', '{api}/ws/health', '{auth}/health', '{app}/'])).toEqual([
    { name: 'api /health', url: 'https://api.example.test/health' },
    { name: 'api /ws/health', url: 'https://api.example.test/ws/health' },
    { name: 'auth /health', url: 'https://auth.example.test/health' },
    { name: 'app /', url: 'https://app.example.test/' },
  ]);
  expect(preflightTargets(urls, [])).toEqual([]);
  expect(() => preflightTargets(urls, ['{api}/health', '{db}/health'])).toThrow(
    'preflight target "{db}/health": unknown placeholder {db} (known: {app}, {api}, {auth})',
  );
  expect(() => preflightTargets(urls, ['{constructor}/x'])).toThrow('unknown placeholder {constructor}');
  expect(() => preflightTargets({ ...urls, authUrl: '' }, ['{auth}/health'])).toThrow(
    'preflight target "{auth}/health": {auth} has no URL (authUrl is empty)',
  );
  expect(() => preflightTargets(urls, ['/health'])).toThrow(
    'preflight target "/health": /health is not an http(s) URL',
  );
});
