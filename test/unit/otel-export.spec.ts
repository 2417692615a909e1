// The run as spans, built by the real OpenTelemetry SDK from a result.json (no export): each session its own
// tree under its own trace id, the verdict as the root's status, a failed step as an error, the requests'
// spans under the span ids their traceparent named. And a run without the OTEL_* variables loads none of it.

import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { expect, test } from '@playwright/test';
import { buildSpans } from '../../src/ops/otel-export';
import type { RunResult, SessionEntry } from '../../src/report/result';

const ROOT = resolve(__dirname, '..', '..');
const T1 = '11'.repeat(16);
const T2 = '22'.repeat(16);

function failingRun(): RunResult {
  const session = (n: number, traceId: string, status: 'pass' | 'fail'): SessionEntry => ({
    session: n,
    frames: `frames-${n}.ndjson`,
    message: 'hi',
    nonce: `n${n}`,
    userId: `u-${n}`,
    sentAt: 1000,
    verdict: {
      status,
      class: status === 'fail' ? 'timeout' : null,
      message: status === 'fail' ? 'timeout: stalled after tool_executing' : 'all checks passed',
      checks: status === 'fail' ? [{ name: 'run-completes', status: 'fail', class: 'timeout', expected: 'a completion', seen: 'none' }] : [],
      events: [],
      runId: `r-${n}`,
      threadId: `t-${n}`,
      answer: { frames: null, page: null },
      timings: { firstEventMs: 10, completeMs: null },
      warnings: [],
      retries: [],
    },
    steps: [
      { name: 'open chat', status: 'passed', durationMs: 400, startMs: 500 },
      { name: 'wait for the final agent_completed', status: status === 'fail' ? 'failed' : 'passed', durationMs: 3000, startMs: 1000, error: 'stalled' },
    ],
    waits: [{ name: "the run's final agent_completed", timeoutMs: 3000, met: status !== 'fail', tookMs: 3000, startMs: 1000 }],
    sockets: [],
    timeline: [
      { ms: 10, dir: 'in', socket: 0, type: 'agent_started (supervisor)', payload: '' },
      { ms: 20, dir: 'in', socket: 0, type: 'tool_executing (data_agent)', payload: '' },
      { ms: 25, dir: 'in', socket: 0, type: 'heartbeat', payload: '' },
    ],
    traceId,
    tracedRequests: [{ spanId: `${n}`.repeat(16), method: 'GET', url: 'http://127.0.0.1:1/ws', kind: 'websocket', at: 600 }],
  });
  const sessions = [session(1, T1, 'pass'), session(2, T2, 'fail')];
  return {
    schemaVersion: 1,
    startedAt: '2026-03-01T12:00:00.000Z',
    finishedAt: '2026-03-01T12:00:05.000Z',
    durationMs: 5000,
    target: { embedded: false, profile: 'generic', appUrl: 'https://staging.example.com', apiUrl: 'https://staging.example.com', authUrl: 'https://staging.example.com', login: 'form' },
    location: 'eu-west',
    ...sessions[1]!,
    users: 2,
    decidingSession: 2,
    sessions,
  };
}

test('one tree per session, under its own trace id: the verdict on the root, a failed step an error, each request under its span id', () => {
  const spans = buildSpans(failingRun());
  const roots = spans.filter((s) => s.parentSpanContext === undefined);
  expect(roots.map((s) => [s.name, s.spanContext().traceId, s.attributes['probe.session'], s.status.code])).toEqual([
    ['golden path', T1, 1, 1],
    ['golden path', T2, 2, 2],
  ]);
  expect(roots[1]!.attributes).toMatchObject({ 'probe.verdict.class': 'timeout', 'probe.verdict.failed_check': 'run-completes', 'probe.location': 'eu-west', 'probe.run_id': 'r-2' });
  expect(roots[1]!.events.map((e) => [e.name, e.attributes?.['probe.agent_name']])).toEqual([
    ['agent_started', 'supervisor'],
    ['tool_executing', 'data_agent'],
  ]);
  const of = (trace: string) => spans.filter((s) => s.spanContext().traceId === trace);
  const failedStep = of(T2).find((s) => s.name === 'step: wait for the final agent_completed')!;
  expect(failedStep.status).toEqual({ code: 2, message: 'stalled' });
  expect(of(T2).find((s) => s.name.startsWith('wait: '))!.parentSpanContext?.spanId).toBe(failedStep.spanContext().spanId);
  const request = of(T2).find((s) => s.name === 'GET /ws')!;
  expect([request.spanContext().spanId, request.kind, request.parentSpanContext?.spanId]).toEqual(['2'.repeat(16), 2, of(T2).find((s) => s.name === 'step: open chat')!.spanContext().spanId]);
});

/** Which modules of OpenTelemetry the after-run step loaded, in a process of its own. */
function otelModulesLoaded(env: Record<string, string>): number {
  const script = `
    require('tsx/cjs');
    const { loadConfig } = require('./src/config/load');
    const { afterRun } = require('./src/ops/after-run');
    const loaded = loadConfig({ PROBE_HISTORY_DB: 'off', ...process.env });
    afterRun(loaded.config, JSON.parse(process.argv[1]), '/tmp/x', () => {}).then(() =>
      console.log(Object.keys(require.cache).filter((k) => k.includes('@opentelemetry')).length));`;
  const out = execFileSync(process.execPath, ['-e', script, JSON.stringify(failingRun())], { cwd: ROOT, env: { PATH: process.env.PATH, ...env }, encoding: 'utf8' });
  return Number(out.trim());
}

test('a run without OTEL_EXPORTER_OTLP_ENDPOINT loads no OpenTelemetry module; with it, the SDK', () => {
  expect(otelModulesLoaded({})).toBe(0);
  // A closed port: the export fails at once, which is beside the point here.
  expect(otelModulesLoaded({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9' })).toBeGreaterThan(0);
});
