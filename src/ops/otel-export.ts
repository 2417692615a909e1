// The run as OpenTelemetry spans, through the OpenTelemetry JS SDK's OTLP/HTTP exporter (JSON), when the
// standard OTEL_EXPORTER_OTLP_ENDPOINT (or _TRACES_ENDPOINT) is set; the exporter reads the endpoint,
// OTEL_EXPORTER_OTLP_HEADERS and OTEL_EXPORTER_OTLP_TIMEOUT itself, OTEL_SERVICE_NAME names the service.
// Loaded only then (after-run.ts), so a run without them loads none of it.
//
// Per session: a root span of the whole run, with the verdict as status and attributes; a child span per
// step and per wait (the step it started in is its parent); a CLIENT span per request that carried the
// session's trace context, under the very span id its traceparent named, so that the backend's spans hang
// under the probe's run; a span event per agent event at its browser time. Spans are built from result.json,
// which the redactor already passed; no attribute holds a header, a query string or a frame's payload.

import { randomBytes } from 'node:crypto';
import { context, SpanKind, SpanStatusCode, trace, type Attributes, type Span, type Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, type IdGenerator, type ReadableSpan, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import { agentEventTypes, defaultContract } from '../contract/contract';
import type { RunResult, SessionRecord } from '../report/result';
import { targetName } from '../report/target-name';

export const DEFAULT_SERVICE_NAME = 'golden-path-probe';

/** Trace ids are the sessions' own; span ids the requests' where a request named one, else fresh. */
class SessionIds implements IdGenerator {
  traceId = '';
  nextSpanId: string | undefined;
  generateTraceId(): string {
    return this.traceId;
  }
  generateSpanId(): string {
    const id = this.nextSpanId ?? randomBytes(8).toString('hex');
    this.nextSpanId = undefined;
    return id;
  }
}

/** Keeps the ended spans, for one export of them all (bounded, its outcome known). */
class Kept implements SpanProcessor {
  readonly spans: ReadableSpan[] = [];
  onStart(): void {}
  onEnd(span: ReadableSpan): void {
    this.spans.push(span);
  }
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/** Builds every session's spans and exports them in one request, within `timeoutMs`. Never throws. */
export async function exportRun(result: RunResult, timeoutMs: number): Promise<{ ok: boolean; detail: string }> {
  const exporter = new OTLPTraceExporter({ timeoutMillis: timeoutMs });
  try {
    const spans = buildSpans(result);
    const outcome = await new Promise<{ ok: boolean; detail: string }>((resolve) => {
      const timer = setTimeout(() => resolve({ ok: false, detail: `no answer within ${timeoutMs} ms` }), timeoutMs);
      exporter.export(spans, (r) => {
        clearTimeout(timer);
        resolve(r.code === 0 ? { ok: true, detail: `${spans.length} spans` } : { ok: false, detail: r.error?.message ?? 'export failed' });
      });
    });
    return outcome;
  } catch (err) {
    return { ok: false, detail: (err as Error).message };
  } finally {
    await Promise.race([exporter.shutdown().catch(() => undefined), new Promise((r) => setTimeout(r, timeoutMs).unref())]);
  }
}

/** The spans of every session of the run, ended, ready to export. Pure but for fresh span ids. */
export function buildSpans(result: RunResult): ReadableSpan[] {
  const ids = new SessionIds();
  const kept = new Kept();
  const resource = resourceFromAttributes({ [ATTR_SERVICE_NAME]: DEFAULT_SERVICE_NAME }).merge(detectResources({ detectors: [envDetector] }));
  const provider = new BasicTracerProvider({ resource, idGenerator: ids, spanProcessors: [kept] });
  const tracer = provider.getTracer('golden-path-probe');
  const sessions = result.sessions ?? [{ ...result, session: 1 }];
  for (const s of sessions) {
    ids.traceId = s.traceId ?? randomBytes(16).toString('hex');
    sessionSpans(tracer, ids, result, s, s.session);
  }
  return kept.spans;
}

function sessionSpans(tracer: Tracer, ids: SessionIds, run: RunResult, s: SessionRecord, session: number): void {
  const start = Date.parse(run.startedAt);
  const at = (ms: number) => new Date(start + ms);
  const v = s.verdict;
  const failed = v.checks.filter((c) => c.status === 'fail');
  const decider = (failed.find((c) => c.class === v.class) ?? failed[0])?.name;
  const attributes: Attributes = {
    'probe.verdict.status': v.status,
    'probe.verdict.message': v.message,
    'probe.target': targetName(run.target),
    'probe.session': session,
    ...(v.class ? { 'probe.verdict.class': v.class } : {}),
    ...(decider && (v.status === 'fail' || v.status === 'error') ? { 'probe.verdict.failed_check': decider } : {}),
    ...(run.location ? { 'probe.location': run.location } : {}),
    ...(v.runId ? { 'probe.run_id': v.runId } : {}),
    ...(v.threadId ? { 'probe.thread_id': v.threadId } : {}),
    ...(run.target.version ? { 'probe.target.version': run.target.version } : {}),
    'probe.nonce': s.nonce,
  };
  const root = tracer.startSpan('golden path', { root: true, kind: SpanKind.INTERNAL, startTime: at(0), attributes });
  const bad = v.status === 'fail' || v.status === 'error';
  root.setStatus(bad ? { code: SpanStatusCode.ERROR, message: `${v.status}${v.class ? ` (${v.class})` : ''}: ${v.message}` } : { code: SpanStatusCode.OK });
  const steps = s.steps.filter((x) => x.startMs !== undefined).map((x) => ({ record: x, from: x.startMs!, to: x.startMs! + x.durationMs, span: undefined as Span | undefined }));
  const within = (t: number) => steps.find((x) => x.from <= t && t <= x.to)?.span ?? root;
  const child = (name: string, parent: Span, from: number, to: number, kind: SpanKind, attrs: Attributes, o: { spanId?: string; error?: string } = {}): Span => {
    ids.nextSpanId = o.spanId;
    const span = tracer.startSpan(name, { kind, startTime: at(from), attributes: attrs }, trace.setSpan(context.active(), parent));
    if (o.error !== undefined) span.setStatus({ code: SpanStatusCode.ERROR, message: o.error });
    span.end(at(Math.max(from, to)));
    return span;
  };
  for (const x of steps) {
    const error = x.record.status === 'failed' ? (x.record.error ?? 'failed') : undefined;
    x.span = child(`step: ${x.record.name}`, root, x.from, x.to, SpanKind.INTERNAL, { 'probe.step.status': x.record.status }, { error });
  }
  for (const w of s.waits.filter((x) => x.startMs !== undefined)) {
    child(`wait: ${w.name}`, within(w.startMs!), w.startMs!, w.startMs! + w.tookMs, SpanKind.INTERNAL, { 'probe.wait.timeout_ms': w.timeoutMs, 'probe.wait.met': w.met });
  }
  for (const r of s.tracedRequests ?? []) {
    const url = safeUrl(r.url);
    const attrs: Attributes = { 'http.request.method': r.method, 'url.full': r.url, 'probe.request.kind': r.kind, ...(url ? { 'server.address': url.hostname } : {}) };
    child(`${r.method} ${url?.pathname ?? r.url}`, within(r.at), r.at, r.at, SpanKind.CLIENT, attrs, { spanId: r.spanId });
  }
  // The agent events as the browser got them: each at its browser time (ms after the send).
  const types = agentEventTypes(defaultContract);
  if (s.sentAt !== null) {
    for (const row of s.timeline) {
      // `agent_started (data_agent)`: the event, and the agent that sent it; folded rows are not events.
      const [, type, agent] = /^(\S+)(?: \((.+)\))?$/.exec(row.type) ?? [];
      if (row.dir !== 'in' || type === undefined || !types.has(type)) continue;
      root.addEvent(type, { 'probe.socket': row.socket, 'probe.ms_after_send': row.ms, ...(agent ? { 'probe.agent_name': agent } : {}) }, at(s.sentAt + row.ms));
    }
  }
  root.end(new Date(Math.max(start, Date.parse(run.finishedAt))));
}

function safeUrl(text: string): URL | undefined {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}
