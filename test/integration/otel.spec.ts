// The run as OpenTelemetry spans (issue 21, item 2), through the real SDK and OTLP/HTTP exporter: a local
// receiver decodes what the exporter sent (OTLP/JSON, the exporter's encoding) and the test asserts the span
// tree, that the spans share the trace id the requests carried (the requests' own span ids among them, so the
// backend's spans hang under the run), and that no secret is in any of it. A collector that cannot be
// reached is a warning: the verdict and the exit code are the run's.

import { createServer, type Server } from 'node:http';
import { mergeTests } from '@playwright/test';
import { REFERENCE_CREDENTIALS } from '../../reference/server';
import { test as harness, describe, expect } from './harness';
import { test as localServers } from './local-server';

const test = mergeTests(harness, localServers);

const OTLP_SECRET = 'OTLPSECRETcanary4242';

type Value = { stringValue?: string; intValue?: string | number; boolValue?: boolean; doubleValue?: number };
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: Array<{ key: string; value: Value }>;
  events?: Array<{ name: string; timeUnixNano: string }>;
  status?: { code?: number; message?: string };
}
interface OtlpBody {
  resourceSpans: Array<{ resource: { attributes: Array<{ key: string; value: Value }> }; scopeSpans: Array<{ spans: OtlpSpan[] }> }>;
}

/** An OTLP/HTTP receiver: each POST's path, headers and body as the exporter sent them. */
async function collector(listen: (s: Server) => Promise<number>): Promise<{ endpoint: string; posts: Array<{ path: string; headers: Record<string, unknown>; text: string }> }> {
  const posts: Array<{ path: string; headers: Record<string, unknown>; text: string }> = [];
  const server = createServer((req, res) => {
    let text = '';
    req.on('data', (d: Buffer) => (text += d.toString()));
    req.on('end', () => {
      posts.push({ path: req.url ?? '', headers: req.headers, text });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  return { endpoint: `http://127.0.0.1:${await listen(server)}`, posts };
}

const attr = (attrs: Array<{ key: string; value: Value }>, key: string) => {
  const v = attrs.find((a) => a.key === key)?.value;
  return v?.stringValue ?? v?.boolValue ?? (v?.intValue === undefined ? v?.doubleValue : Number(v.intValue));
};

test('each session as a tree of spans under the trace id its requests carried; no secret in any of it', async ({ probe, target, staging, listen }) => {
  const otlp = await collector(listen);
  const o = await probe({
    ...target,
    PROBE_LOGIN: 'e2e-bypass',
    PROBE_E2E_BYPASS_KEY: REFERENCE_CREDENTIALS.bypassKey,
    PROBE_LOCATION: 'eu-west',
    OTEL_EXPORTER_OTLP_ENDPOINT: otlp.endpoint,
    OTEL_EXPORTER_OTLP_HEADERS: `authorization=Bearer ${OTLP_SECRET}`,
    OTEL_SERVICE_NAME: 'probe-eu-west',
  });
  expect(o.code, describe(o)).toBe(0);
  expect(otlp.posts.map((p) => [p.path, p.headers['content-type'], p.headers.authorization])).toEqual([['/v1/traces', 'application/json', `Bearer ${OTLP_SECRET}`]]);
  const body = JSON.parse(otlp.posts[0]!.text) as OtlpBody;
  expect(body.resourceSpans.map((r) => attr(r.resource.attributes, 'service.name'))).toEqual(['probe-eu-west']);
  const spans = body.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans));
  const r = o.result!;

  // One root, of the session, with the verdict; every other span in its trace, under a span of the tree.
  const roots = spans.filter((s) => !s.parentSpanId);
  expect(roots.map((s) => [s.name, s.traceId])).toEqual([['golden path', r.traceId]]);
  const root = roots[0]!;
  expect(Object.fromEntries(['probe.verdict.status', 'probe.location', 'probe.target', 'probe.run_id', 'probe.thread_id'].map((k) => [k, attr(root.attributes, k)]))).toEqual({
    'probe.verdict.status': 'pass',
    'probe.location': 'eu-west',
    'probe.target': staging.appUrl,
    'probe.run_id': r.verdict.runId,
    'probe.thread_id': r.verdict.threadId,
  });
  expect(root.status?.code).toBe(1);
  const ids = new Set(spans.map((s) => s.spanId));
  for (const s of spans) {
    expect(s.traceId, s.name).toBe(r.traceId);
    if (s !== root) expect(ids.has(s.parentSpanId!), s.name).toBe(true);
  }
  const named = (prefix: string) => spans.filter((s) => s.name.startsWith(prefix));
  expect(named('step: ').map((s) => [s.name, s.parentSpanId])).toEqual(r.steps.map((x) => [`step: ${x.name}`, root.spanId]));
  expect(named('wait: ').map((s) => s.name).sort()).toEqual(r.waits.map((w) => `wait: ${w.name}`).sort());
  const steps = new Set(named('step: ').map((s) => s.spanId));
  for (const w of named('wait: ')) expect(steps.has(w.parentSpanId!), w.name).toBe(true);

  // The requests' spans are the parents the backend saw in each traceparent.
  const clientSpans = new Set(spans.filter((s) => s.kind === 3).map((s) => s.spanId));
  const parents = staging.requests().filter((q) => q.traceparent).map((q) => q.traceparent!.split('-')[2]!);
  expect(parents.length).toBeGreaterThan(0);
  for (const p of parents) expect(clientSpans.has(p), p).toBe(true);

  // The agent events at their browser times, in order, within the run.
  const events = root.events ?? [];
  for (const type of ['agent_started', 'agent_thinking', 'tool_executing', 'tool_completed', 'agent_completed']) expect(events.map((e) => e.name)).toContain(type);
  const times = events.map((e) => BigInt(e.timeUnixNano));
  expect([...times].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))).toEqual(times);
  expect(times[0]! >= BigInt(root.startTimeUnixNano) && times.at(-1)! <= BigInt(root.endTimeUnixNano)).toBe(true);

  // No secret: the bypass key, every credential the staging issued, the collector's own header.
  for (const secret of [REFERENCE_CREDENTIALS.bypassKey, ...staging.issuedCredentials(), OTLP_SECRET]) expect(otlp.posts[0]!.text).not.toContain(secret);
  expect(o.output).toContain(`traces: exported to ${otlp.endpoint}`);
});

test('a collector that cannot be reached is a warning: the run passes and exits 0; its header is never shown', async ({ probe, target, listen }) => {
  // A port that was listened on and is closed again: nothing answers there.
  const closed = createServer();
  const port = await listen(closed);
  await new Promise((resolve) => closed.close(resolve));
  const o = await probe({
    ...target,
    PROBE_USERNAME: REFERENCE_CREDENTIALS.username,
    PROBE_PASSWORD: REFERENCE_CREDENTIALS.password,
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
    OTEL_EXPORTER_OTLP_HEADERS: `x-api-key=${OTLP_SECRET}`,
  });
  expect(o.code, describe(o)).toBe(0);
  expect(o.result!.verdict.status).toBe('pass');
  expect(o.output).toContain(`traces: not exported to http://127.0.0.1:${port}`);
  expect(o.output).not.toContain(OTLP_SECRET);
});
