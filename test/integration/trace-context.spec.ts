// Trace context on the wire (issue 21, item 1): the reference staging records the traceparent and tracestate
// of every request and WebSocket upgrade it gets; a run's browser requests to the target must each carry
// that run's trace id under a parent span id of their own, and nothing may reach another origin. In the netra
// layout (three origins, CORS from the app only, `traceparent` not among the allowed headers) the run must
// need no preflight it did not need without the headers: the README's measurement.

import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { History } from '../../src/ops/history';
import { WebSocketServer } from 'ws';
import { REFERENCE_CREDENTIALS, type ReferenceServer, type SeenRequest } from '../../reference/server';
import { test as harness, describe, expect, type ProbeOutcome } from './harness';
import { test as localServers } from './local-server';
import { mergeTests } from '@playwright/test';

const test = mergeTests(harness, localServers);

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/;

/** Another origin of the test's own, which the chat page calls (reference setElsewhere): what it got. */
async function elsewhere(listen: (s: ReturnType<typeof createServer>) => Promise<number>): Promise<{ origin: string; seen: Array<{ path: string; traceparent: unknown; tracestate: unknown }> }> {
  const seen: Array<{ path: string; traceparent: unknown; tracestate: unknown }> = [];
  const note = (req: IncomingMessage) => seen.push({ path: req.url ?? '', traceparent: req.headers.traceparent, tracestate: req.headers.tracestate });
  const server = createServer((req, res) => {
    note(req);
    res.writeHead(204).end();
  });
  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => {
    note(req);
    wss.handleUpgrade(req, socket, head, () => undefined);
  });
  const port = await listen(server);
  return { origin: `http://127.0.0.1:${port}`, seen };
}

/** The requests a browser of the run sent to the target (the CLI's own preflight is before any session). */
function browserRequests(staging: ReferenceServer): SeenRequest[] {
  return staging.requests().filter((r) => r.browser);
}

function expectEveryRequestTraced(o: ProbeOutcome, staging: ReferenceServer): void {
  const traceId = o.result!.traceId!;
  expect(traceId).toMatch(/^[0-9a-f]{32}$/);
  const all = browserRequests(staging);
  // What the page asks after the run was judged (the socket it opens again after the reload) is not the run's,
  // and goes out untraced: every request up to then carried the trace, none after.
  const after = all.findIndex((r) => r.traceparent === null);
  const seen = after === -1 ? all : all.slice(0, after);
  for (const r of all.slice(seen.length)) expect([r.path, r.traceparent, r.tracestate]).toEqual([r.path, null, null]);
  expect(seen.filter((r) => r.upgrade).length, 'a WebSocket upgrade').toBeGreaterThan(0);
  for (const r of seen) {
    const where = `${r.method} ${r.host}${r.path}${r.upgrade ? ' (upgrade)' : ''}`;
    expect(r.traceparent, where).toMatch(TRACEPARENT);
    expect(TRACEPARENT.exec(r.traceparent!)![1], where).toBe(traceId);
    expect(r.tracestate, where).toBe(`golden-path-probe=${o.result!.nonce}`);
  }
  // A parent span id of its own each, and each one a span the run kept (the backend's spans hang under them).
  const spans = seen.map((r) => TRACEPARENT.exec(r.traceparent!)![2]);
  expect(new Set(spans).size).toBe(spans.length);
  const kept = new Set(o.result!.tracedRequests!.map((t) => t.spanId));
  for (const span of spans) expect(kept.has(span!), span).toBe(true);
}

test('every request of a run to the target carries its trace id, the WebSocket upgrade too; another origin gets none', async ({ probe, target, staging, listen }) => {
  const other = await elsewhere(listen);
  staging.setElsewhere(other.origin);
  const env = { ...target, PROBE_USERNAME: REFERENCE_CREDENTIALS.username, PROBE_PASSWORD: REFERENCE_CREDENTIALS.password, PROBE_TRACE_URL: 'https://tempo.example/explore?trace={traceId}' };
  const o = await probe(env);
  expect(o.code, describe(o)).toBe(0);
  expectEveryRequestTraced(o, staging);
  // Where a person reads it: the console, summary.md, the history, the validation report, as a link.
  const link = `https://tempo.example/explore?trace=${o.result!.traceId}`;
  expect(o.result!.traceUrl).toBe(link);
  expect(o.output).toContain(`  trace: ${link}`);
  expect(readFileSync(join(o.runDir!, 'summary.md'), 'utf8')).toContain(`- Trace: [${o.result!.traceId}](${link})`);
  const history = await History.open(join(o.runDir!, '..', 'history.db'));
  try {
    expect((await history.last(1)).map((r) => r.traceId)).toEqual([o.result!.traceId]);
  } finally {
    await history.close();
  }
  const report = await probe(env, ['report', '--last', '1', '--out', 'validation']);
  expect(report.code, report.output).toBe(0);
  expect(readFileSync(join(o.runDir!, '..', '..', 'validation', 'report.md'), 'utf8')).toContain(`[trace ${o.result!.traceId}](${link})`);
  const kinds = new Set(browserRequests(staging).map((r) => (r.upgrade ? 'upgrade' : r.method)));
  expect([...kinds].sort()).toEqual(['GET', 'POST', 'upgrade']);
  // The page did call the other origin (an image, a fetch, a socket), and none of it carried anything.
  // (on each load of the page: the first, and the reload's)
  expect([...new Set(other.seen.map((r) => r.path))].sort()).toEqual(['/collect', '/live', '/pixel.gif']);
  for (const r of other.seen) expect([r.path, r.traceparent, r.tracestate]).toEqual([r.path, undefined, undefined]);
});

test('under the netra profile (three origins, e2e-bypass): traced, and not one preflight more than without', async ({ probe, netraStaging }) => {
  const env = {
    PROBE_PROFILE: 'netra',
    PROBE_APP_URL: netraStaging.appUrl,
    PROBE_API_URL: netraStaging.apiUrl,
    PROBE_AUTH_URL: netraStaging.authUrl,
    PROBE_E2E_BYPASS_KEY: REFERENCE_CREDENTIALS.bypassKey,
  };
  const traced = await probe(env);
  expect(traced.code, describe(traced)).toBe(0);
  expectEveryRequestTraced(traced, netraStaging);
  // The probe's own login request (e2e bypass) carries the session's trace too.
  const login = netraStaging.requests().find((r) => r.path === '/auth/e2e/test-auth' && r.method === 'POST');
  expect(TRACEPARENT.exec(login?.traceparent ?? '')?.[1]).toBe(traced.result!.traceId);
  // Each run has threads of its own: the paths compare with their ids left out.
  const preflights = (rs: SeenRequest[]) => rs.filter((r) => r.method === 'OPTIONS').map((r) => r.path.replace(/thread-[0-9a-f]+/g, 'thread-<id>')).sort();
  const withTrace = preflights(netraStaging.requests());

  netraStaging.reset();
  const plain = await probe({ ...env, PROBE_TRACE_PROPAGATION: 'off' });
  expect(plain.code, describe(plain)).toBe(0);
  expect(plain.result!.traceId).toBeUndefined();
  for (const r of netraStaging.requests()) expect([r.path, r.traceparent, r.tracestate]).toEqual([r.path, null, null]);
  // Cross-origin calls with preflights of their own (JSON with a bearer token) keep them, and no other call gets one.
  expect(withTrace.length).toBeGreaterThan(0);
  expect(withTrace).toEqual(preflights(netraStaging.requests()));
});
