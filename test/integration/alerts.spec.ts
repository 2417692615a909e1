// deliverAlert against small receivers on 127.0.0.1 port 0, one per behaviour, closed (with their sockets) in
// the fixture's teardown whatever the test did. The webhook URL always carries a secret path and query, like a
// Slack webhook; no detail may show them.

import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { expect } from '@playwright/test';
import { deliverAlert } from '../../src/ops/alerts';
import { test as localServerTest } from './local-server';

const SECRET_PATH = '/services/T0SECRET1/B0SECRET2/xoxsecretwebhooktoken';
const SECRET_QUERY = '?token=querysecret123';
const SECRETS = ['services', 'T0SECRET1', 'B0SECRET2', 'xoxsecretwebhooktoken', 'querysecret123', 'token='];
const PAYLOAD = { source: 'golden-path-probe', kind: 'failing', title: 'golden path FAILING', failures: 3 };
/** Generous bound for the tests whose receiver answers at once; they take milliseconds. */
const OPTS = { timeoutMs: 5_000, retries: 1 };

interface Hit {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

interface Receiver {
  url: string;
  origin: string;
  hits: Hit[];
  server: http.Server;
}

interface Fixtures {
  /** An HTTP receiver on 127.0.0.1:0 that records each request, then answers it with `answer` (or never). */
  receiver: (answer: (hit: Hit, n: number, res: http.ServerResponse) => void) => Promise<Receiver>;
}

const test = localServerTest.extend<Fixtures>({
  receiver: async ({ listen }, use) => {
    await use(async (answer) => {
      const hits: Hit[] = [];
      const server = http.createServer((req, res) => {
        let body = '';
        req.on('data', (d: Buffer) => (body += d.toString()));
        req.on('end', () => {
          const hit = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body };
          hits.push(hit);
          answer(hit, hits.length, res);
        });
      });
      const origin = `http://127.0.0.1:${await listen(server)}`;
      return { url: `${origin}${SECRET_PATH}${SECRET_QUERY}`, origin, hits, server };
    });
  },
});

function reply(res: http.ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'text/plain' });
  res.end(body);
}

function expectNoSecret(detail: string): void {
  for (const secret of SECRETS) expect(detail).not.toContain(secret);
}

/** Open connections the receiver still has: none once a delivery is over (each attempt closes its Agent). */
function connections(server: http.Server): Promise<number> {
  return new Promise((resolve, reject) => server.getConnections((e, n) => (e ? reject(e) : resolve(n))));
}

/** A port nobody listens on: listen on port 0, learn the port, close. */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

test('200: one POST of the JSON payload, to the full URL; the detail names the origin only', async ({ receiver }) => {
  const r = await receiver((_hit, _n, res) => reply(res, 200, 'ok'));
  const outcome = await deliverAlert(r.url, PAYLOAD, OPTS);
  expect(outcome).toEqual({ ok: true, detail: `POST ${r.origin}: HTTP 200` });
  expect(r.hits).toHaveLength(1);
  expect(r.hits[0]).toMatchObject({ method: 'POST', url: `${SECRET_PATH}${SECRET_QUERY}` });
  expect(r.hits[0]!.headers['content-type']).toBe('application/json; charset=utf-8');
  expect(JSON.parse(r.hits[0]!.body)).toEqual(PAYLOAD);
  await expect.poll(() => connections(r.server), { timeout: 2_000 }).toBe(0);
});

test('500 then 200: retried once, delivered, and the detail says so', async ({ receiver }) => {
  const r = await receiver((_hit, n, res) => (n === 1 ? reply(res, 500, 'upstream broke') : reply(res, 200, 'ok')));
  const outcome = await deliverAlert(r.url, PAYLOAD, OPTS);
  expect(outcome).toEqual({ ok: true, detail: `POST ${r.origin}: HTTP 200 (after HTTP 500 "upstream broke")` });
  expect(r.hits.map((h) => JSON.parse(h.body))).toEqual([PAYLOAD, PAYLOAD]);
});

test('500 every time: two attempts (retries 1), not delivered', async ({ receiver }) => {
  const r = await receiver((_hit, _n, res) => reply(res, 503, 'busy'));
  const outcome = await deliverAlert(r.url, PAYLOAD, OPTS);
  expect(outcome).toEqual({
    ok: false,
    detail: `POST ${r.origin}: not delivered: HTTP 503 "busy"; HTTP 503 "busy" (2 attempts)`,
  });
  expect(r.hits).toHaveLength(2);
});

test('retries 0: a 500 is tried once', async ({ receiver }) => {
  const r = await receiver((_hit, _n, res) => reply(res, 500, ''));
  const outcome = await deliverAlert(r.url, PAYLOAD, { timeoutMs: 5_000, retries: 0 });
  expect(outcome).toEqual({ ok: false, detail: `POST ${r.origin}: not delivered: HTTP 500 (1 attempt)` });
  expect(r.hits).toHaveLength(1);
});

test('400: not retried, not delivered, with what the receiver said', async ({ receiver }) => {
  const r = await receiver((_hit, _n, res) => reply(res, 400, 'invalid_payload'));
  const outcome = await deliverAlert(r.url, PAYLOAD, OPTS);
  expect(outcome).toEqual({
    ok: false,
    detail: `POST ${r.origin}: not delivered: HTTP 400 "invalid_payload" (1 attempt)`,
  });
  expect(r.hits).toHaveLength(1);
});

test('a receiver that echoes the URL in its error: the detail still shows none of it', async ({ receiver }) => {
  const r = await receiver((hit, _n, res) => reply(res, 404, `no such hook: ${hit.url} (full: ${r.url})`));
  const outcome = await deliverAlert(r.url, PAYLOAD, OPTS);
  expect(outcome.ok).toBe(false);
  expect(outcome.detail).toContain(`POST ${r.origin}: not delivered: HTTP 404 "no such hook: [REDACTED]`);
  expectNoSecret(outcome.detail);
});

test('refused port: retried, not delivered, the detail names the origin and never the path or query', async () => {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}${SECRET_PATH}${SECRET_QUERY}`;
  const outcome = await deliverAlert(url, PAYLOAD, OPTS);
  expect(outcome.ok).toBe(false);
  expect(outcome.detail).toBe(
    `POST http://127.0.0.1:${port}: not delivered: ` +
      `refused: ECONNREFUSED 127.0.0.1:${port}: nothing listens there; ` +
      `refused: ECONNREFUSED 127.0.0.1:${port}: nothing listens there (2 attempts)`,
  );
  expectNoSecret(outcome.detail);
});

test('a receiver that never answers: bounded by timeoutMs, all attempts included', async ({ receiver }) => {
  // Holds every request open; the teardown destroys the sockets.
  const r = await receiver(() => undefined);
  const timeoutMs = 600;
  const started = performance.now();
  const outcome = await deliverAlert(r.url, PAYLOAD, { timeoutMs, retries: 1 });
  const took = performance.now() - started;
  expect(outcome.ok).toBe(false);
  expect(outcome.detail).toMatch(
    new RegExp(`^POST ${r.origin}: not delivered: timeout: no response headers within \\d+ ms`),
  );
  expectNoSecret(outcome.detail);
  expect(took).toBeGreaterThanOrEqual(timeoutMs - 50);
  expect(took).toBeLessThan(timeoutMs + 1_000);
  expect(r.hits.length).toBeGreaterThanOrEqual(1);
  // The request was abandoned, not left open.
  await expect.poll(() => connections(r.server), { timeout: 2_000 }).toBe(0);
});

test('credentials in the URL go as Basic auth and are never shown', async ({ receiver }) => {
  const r = await receiver((_hit, _n, res) => reply(res, 401, 'bad credentials'));
  const url = r.url.replace('http://', 'http://hookuser:hookpassword@');
  const outcome = await deliverAlert(url, PAYLOAD, OPTS);
  expect(r.hits[0]!.headers.authorization).toBe(`Basic ${Buffer.from('hookuser:hookpassword').toString('base64')}`);
  expect(outcome).toEqual({
    ok: false,
    detail: `POST ${r.origin}: not delivered: HTTP 401 "bad credentials" (1 attempt)`,
  });
});

test('never throws: a bad URL, another scheme, a payload that is not JSON', async () => {
  expect(await deliverAlert(`not a url ${SECRET_PATH}`, PAYLOAD, OPTS)).toEqual({
    ok: false,
    detail: 'alert webhook: not a valid URL (not shown: a webhook URL is a secret)',
  });
  expect(await deliverAlert(`ftp://127.0.0.1${SECRET_PATH}`, PAYLOAD, OPTS)).toEqual({
    ok: false,
    detail: 'alert webhook: must be an http(s) URL, got ftp:',
  });
  const circular: Record<string, unknown> = {};
  circular.self = circular;
  const outcome = await deliverAlert(`http://127.0.0.1:9${SECRET_PATH}`, circular, OPTS);
  expect(outcome.ok).toBe(false);
  expect(outcome.detail).toMatch(/^POST http:\/\/127\.0\.0\.1:9: the alert is not JSON: /);
  expectNoSecret(outcome.detail);
});
