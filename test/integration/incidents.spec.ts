// Incidents in PagerDuty and Alertmanager (issue 21, item 3): what the CLI does after each run (afterRun: the
// history, the alert's decision under its lock, delivery), over a fail -> pass sequence, against local
// endpoints that record every body. One trigger and one resolve of one incident per scope (a location, the
// fleet), whatever the runs in between; the routing key in the body and nowhere else.

import http from 'node:http';
import { expect } from '@playwright/test';
import { loadConfig } from '../../src/config/load';
import { afterRun } from '../../src/ops/after-run';
import type { Verdict } from '../../src/contract/types';
import type { RunResult } from '../../src/report/result';
import { runResult } from './run-result';
import { test } from './local-server';

const ROUTING_KEY = 'R0UTINGKEYcanary0123456789abcdef';
const TARGET = 'https://staging.example.com';
const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const TRACE_URL = `https://tempo.example/trace/${TRACE}`;

interface Receiver {
  url: string;
  bodies: Array<{ path: string; body: unknown }>;
}

async function receiver(listen: (s: http.Server) => Promise<number>, status: number): Promise<Receiver> {
  const bodies: Receiver['bodies'] = [];
  const server = http.createServer((req, res) => {
    let text = '';
    req.on('data', (d: Buffer) => (text += d.toString()));
    req.on('end', () => {
      bodies.push({ path: req.url ?? '', body: JSON.parse(text) as unknown });
      res.writeHead(status, { 'content-type': 'application/json' }).end('{}');
    });
  });
  return { url: `http://127.0.0.1:${await listen(server)}`, bodies };
}

const FAILED: Partial<Verdict> = {
  status: 'fail',
  class: 'timeout',
  message: 'timeout: stalled after tool_executing',
  checks: [{ name: 'run-completes', status: 'fail', class: 'timeout', expected: 'agent_completed within 8000 ms', seen: 'none' }],
  timings: { firstEventMs: 100, completeMs: null },
};

/** The runs of a sequence, one a second from a minute ago, each in its location, each with its trace. */
function runs(sequence: Array<[location: string, status: 'pass' | 'fail']>): RunResult[] {
  const from = Date.now() - 60_000;
  return sequence.map(([location, status], i) => ({
    ...runResult(new Date(from + i * 1000).toISOString(), status === 'fail' ? FAILED : {}),
    target: { ...runResult('2026-01-01T00:00:00Z').target, embedded: false, appUrl: TARGET, apiUrl: TARGET, authUrl: TARGET },
    location,
    traceId: TRACE,
    traceUrl: TRACE_URL,
  }));
}

async function after(env: Record<string, string>, results: RunResult[]): Promise<string[]> {
  const loaded = loadConfig({ PROBE_APP_URL: TARGET, PROBE_USERNAME: 'u', PROBE_PASSWORD: 'p', PROBE_ALERT_AFTER: '2', ...env });
  if (!loaded.ok) throw new Error(loaded.problems.join('; '));
  const logged: string[] = [];
  for (const r of results) await afterRun({ ...loaded.config, location: r.location! }, r, '/runs/x', (l) => logged.push(l));
  return logged;
}

const LOCATION_SEQUENCE: Array<[string, 'pass' | 'fail']> = [
  ['eu-west', 'pass'],
  ['eu-west', 'fail'],
  ['eu-west', 'fail'],
  ['eu-west', 'fail'],
  ['eu-west', 'pass'],
  ['eu-west', 'pass'],
];

test('PagerDuty: one trigger and one resolve of one incident over fail -> pass, the routing key in the body only', async ({ listen }, testInfo) => {
  const pd = await receiver(listen, 202);
  const logged = await after(
    { PROBE_HISTORY_DB: testInfo.outputPath('h.db'), PROBE_LOCATION: 'eu-west', PROBE_ALERT_FORMAT: 'pagerduty', PROBE_ALERT_WEBHOOK: `${pd.url}/v2/enqueue`, PROBE_PAGERDUTY_ROUTING_KEY: ROUTING_KEY },
    runs(LOCATION_SEQUENCE),
  );
  const key = `golden-path-probe/${TARGET}/eu-west`;
  expect(pd.bodies.map((b) => [b.path, (b.body as { event_action: string }).event_action, (b.body as { dedup_key: string }).dedup_key])).toEqual([
    ['/v2/enqueue', 'trigger', key],
    ['/v2/enqueue', 'resolve', key],
  ]);
  const trigger = pd.bodies[0]!.body as Record<string, any>;
  expect(trigger).toMatchObject({
    routing_key: ROUTING_KEY,
    client: 'golden-path-probe',
    client_url: TRACE_URL,
    links: [{ href: TRACE_URL, text: expect.any(String) }],
    payload: {
      severity: 'critical',
      source: 'eu-west',
      component: TARGET,
      group: 'eu-west',
      class: 'timeout',
      custom_details: { status: 'fail', class: 'timeout', failed_check: 'run-completes', trace_id: TRACE, trace_url: TRACE_URL, failures: 2 },
    },
  });
  expect(trigger.payload.summary).toContain('timeout: stalled after tool_executing');
  expect(pd.bodies[1]!.body).toEqual({ routing_key: ROUTING_KEY, dedup_key: key, event_action: 'resolve' });
  expect(logged.filter((l) => l.startsWith('alert'))).toEqual([expect.stringMatching(/^alert failing: sent/), expect.stringMatching(/^alert recovered: sent/)]);
  for (const line of logged) expect(line).not.toContain(ROUTING_KEY);
});

test('Alertmanager: one alert, firing then resolved under the same labels, with the trace and report in annotations', async ({ listen }, testInfo) => {
  const am = await receiver(listen, 200);
  const sequence = runs(LOCATION_SEQUENCE);
  // The class changes within the episode: the labels (the alert's identity) stay the episode's first.
  sequence[3] = { ...sequence[3]!, verdict: { ...sequence[3]!.verdict, class: 'transport' } };
  await after({ PROBE_HISTORY_DB: testInfo.outputPath('h.db'), PROBE_LOCATION: 'eu-west', PROBE_ALERT_FORMAT: 'alertmanager', PROBE_ALERT_WEBHOOK: am.url }, sequence);
  expect(am.bodies.map((b) => b.path)).toEqual(['/api/v2/alerts', '/api/v2/alerts']);
  const [firing, resolved] = am.bodies.map((b) => (b.body as Array<Record<string, any>>)[0]!);
  const labels = { alertname: 'GoldenPathFailing', location: 'eu-west', journey: 'golden-path', class: 'timeout', target: TARGET, severity: 'critical' };
  expect(firing).toMatchObject({
    labels,
    startsAt: sequence[1]!.startedAt,
    generatorURL: TRACE_URL,
    annotations: { trace_id: TRACE, trace_url: TRACE_URL, report: '/runs/x/summary.md', failed_check: 'run-completes', failures: '2' },
  });
  expect(Date.parse(firing!.endsAt)).toBeGreaterThan(Date.now());
  expect(resolved).toMatchObject({ labels, startsAt: sequence[1]!.startedAt });
  expect(Date.parse(resolved!.endsAt)).toBeLessThanOrEqual(Date.now());
});

test('the fleet: one incident for the fleet, triggered once 2 of 3 fail and resolved once fewer do, in both formats', async ({ listen }, testInfo) => {
  const sequence = runs([
    ['a', 'fail'],
    ['a', 'fail'],
    ['b', 'fail'],
    ['b', 'fail'],
    ['c', 'pass'],
    ['a', 'fail'],
    ['a', 'pass'],
    ['b', 'fail'],
    ['c', 'pass'],
  ]);
  const pd = await receiver(listen, 202);
  const am = await receiver(listen, 200);
  const fleet = { PROBE_ALERT_LOCATIONS: '2/3', PROBE_ALERT_AFTER: '1' };
  await after({ ...fleet, PROBE_HISTORY_DB: testInfo.outputPath('pd.db'), PROBE_LOCATION: 'a', PROBE_ALERT_FORMAT: 'pagerduty', PROBE_ALERT_WEBHOOK: pd.url, PROBE_PAGERDUTY_ROUTING_KEY: ROUTING_KEY }, sequence);
  await after({ ...fleet, PROBE_HISTORY_DB: testInfo.outputPath('am.db'), PROBE_LOCATION: 'a', PROBE_ALERT_FORMAT: 'alertmanager', PROBE_ALERT_WEBHOOK: am.url }, sequence);
  const key = `golden-path-probe/${TARGET}/fleet`;
  expect(pd.bodies.map((b) => [(b.body as { event_action: string }).event_action, (b.body as { dedup_key: string }).dedup_key])).toEqual([
    ['trigger', key],
    ['resolve', key],
  ]);
  expect((pd.bodies[0]!.body as Record<string, any>).payload.custom_details.fleet).toMatch(/^2 of 3 locations failing \(alerting at 2\): a, b$/);
  const alerts = am.bodies.map((b) => (b.body as Array<Record<string, any>>)[0]!);
  expect(alerts.map((a) => a.labels)).toEqual([0, 1].map(() => ({ alertname: 'GoldenPathFailing', location: 'fleet', journey: 'golden-path', class: 'fleet', target: TARGET, severity: 'critical' })));
  expect(Date.parse(alerts[0]!.endsAt)).toBeGreaterThan(Date.now());
  expect(Date.parse(alerts[1]!.endsAt)).toBeLessThanOrEqual(Date.now());
});
