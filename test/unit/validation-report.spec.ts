// The validation report: the model's numbers, the timeline picture, and both renderers, from small
// hand-made RunResult objects; loadRuns on a made-up report folder.
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, expect } from '@playwright/test';
import type { Check, FailureClass, Status } from '../../src/contract/types';
import type { RunResult } from '../../src/report/result';
import type { TimelineRow } from '../../src/report/timeline';
import { buildReportModel, distribution, percentile, type ReportRun } from '../../src/report/validation/model';
import { renderHtml } from '../../src/report/validation/render-html';
import { renderMarkdown } from '../../src/report/validation/render-md';
import { EVENT_STYLES, failureMoment, timelineSvg } from '../../src/report/validation/timeline-svg';
import { loadRuns } from '../../src/report/validation/write';

// ---- hand-made runs --------------------------------------------------------------------------------

const REQUIRED = ['agent_started', 'agent_thinking', 'tool_executing', 'tool_completed', 'agent_completed'] as const;
type Required = (typeof REQUIRED)[number];

const CHECK_CLASSES: Array<[string, FailureClass]> = [
  ['step-failures', 'probe'],
  ['transport', 'transport'],
  ['events-present', 'missing-event'],
  ['completed-in-time', 'timeout'],
  ['tool-pairing', 'pairing'],
  ['final-answer', 'missing-event'],
  ['answer-rendered', 'ui-render'],
  ['complete-budget', 'timeout'],
];

interface RunSpec {
  startedAt: string;
  /** ms after the send of each required event's first appearance; null: never seen. Default: a healthy run's. */
  at?: Partial<Record<Required, number | null>>;
  /** Send to the final agent_completed; null when it never came. Default: agent_completed's time. */
  completeMs?: number | null;
  /** Checks that did not pass, with what was seen. */
  notPassed?: Record<string, { status: 'warn' | 'fail'; seen: string; evidence?: string }>;
  /** The verdict's class when failing; default the class of the first failing check. */
  class?: FailureClass;
  message?: string;
  /** A close of socket 0 at this ms after the send. */
  close?: { ms: number; code: number; reason: string };
  /** Checks to leave out of the verdict (a run that stopped early). */
  without?: string[];
  agentName?: string;
}

const SENT_AT = 500;
const HEALTHY: Record<Required, number> = {
  agent_started: 150,
  agent_thinking: 300,
  tool_executing: 600,
  tool_completed: 900,
  agent_completed: 1200,
};

/** A RunResult as the probe writes it, made by hand: the verdict, its checks and events, and a timeline. */
function makeRun(spec: RunSpec): RunResult {
  const at = { ...HEALTHY, ...spec.at };
  const notPassed = spec.notPassed ?? {};
  const checks: Check[] = CHECK_CLASSES.filter(([name]) => !(spec.without ?? []).includes(name)).map(([name, cls]) => {
    const np = notPassed[name];
    return {
      name,
      status: np?.status ?? 'pass',
      class: cls,
      expected: `${name} holds`,
      seen: np?.seen ?? 'fine',
      ...(np?.evidence ? { evidence: np.evidence } : {}),
    };
  });
  const failing = checks.filter((c) => c.status === 'fail');
  const warning = checks.find((c) => c.status === 'warn');
  const status: Status = failing.length ? 'fail' : warning ? 'degraded' : 'pass';
  const cls = status === 'fail' ? (spec.class ?? failing[0]?.class ?? null) : null;
  const completeMs = spec.completeMs === undefined ? at.agent_completed : spec.completeMs;
  const row = (ms: number, type: string, dir: TimelineRow['dir'] = 'in'): TimelineRow => ({
    ms,
    dir,
    socket: 0,
    type,
    payload: `{"type":"${type}"}`,
  });
  const timeline: TimelineRow[] = [row(-60, 'connection_established'), row(4, 'start_agent', 'out')];
  for (const type of REQUIRED) {
    const ms = at[type];
    if (ms === null || ms === undefined) continue;
    if (type === 'agent_completed') timeline.push(row(ms - 40, `agent_completed (${spec.agentName ?? 'data_agent'})`));
    else timeline.push(row(ms, `${type} (${spec.agentName ?? 'supervisor'})`));
  }
  if (completeMs !== null) timeline.push(row(completeMs, 'agent_completed'), row(completeMs + 20, 'agent_response'));
  if (spec.close)
    timeline.push({
      ms: spec.close.ms,
      dir: 'close',
      socket: 0,
      type: `close ${spec.close.code} Internal Error`,
      payload: spec.close.reason,
    });
  timeline.sort((a, b) => a.ms - b.ms);
  const durationMs = SENT_AT + Math.max(...timeline.map((r) => r.ms)) + 300;
  return {
    schemaVersion: 1,
    startedAt: spec.startedAt,
    finishedAt: new Date(Date.parse(spec.startedAt) + durationMs).toISOString(),
    durationMs,
    target: {
      embedded: false,
      profile: 'netra',
      appUrl: 'https://app.staging.example',
      apiUrl: 'https://api.staging.example',
      authUrl: 'https://auth.staging.example',
      login: 'e2e-bypass',
    },
    message: 'Summarize my usage for yesterday [probe 0123456789ab]',
    nonce: '0123456789ab',
    userId: 'user-1',
    sentAt: SENT_AT,
    verdict: {
      status,
      class: cls,
      message:
        spec.message ??
        (failing[0]
          ? `${failing[0].name}: expected ${failing[0].expected}; ${failing[0].seen}`
          : `all ${checks.length} checks passed`),
      checks,
      events: REQUIRED.map((type) => ({ type, firstSeenMs: at[type] ?? null, count: at[type] === null ? 0 : 1 })),
      runId: 'run-1',
      threadId: 'thread-1',
      answer: { frames: completeMs === null ? null : 'An answer', page: completeMs === null ? null : 'An answer' },
      // The answer shows 100 ms after the run's end, when it ended.
      timings: { firstEventMs: at.agent_started ?? null, completeMs, answerVisibleMs: completeMs === null ? null : completeMs + 100 },
      warnings: [],
      retries: [],
    },
    steps: [],
    waits: [],
    sockets: [
      {
        socket: 0,
        url: 'wss://api.staging.example/ws?ticket=[REDACTED]',
        openedAt: SENT_AT - 80,
        ...(spec.close
          ? { closedAt: SENT_AT + spec.close.ms, closeCode: spec.close.code, closeReason: spec.close.reason }
          : {}),
      },
    ],
    timeline,
  };
}

/** The 1011 run: started and thinking, then the server closed the socket. */
function transport1011(startedAt: string, message?: string): RunResult {
  return makeRun({
    startedAt,
    at: { tool_executing: null, tool_completed: null, agent_completed: null },
    completeMs: null,
    close: { ms: 420, code: 1011, reason: 'Service not ready' },
    notPassed: {
      transport: {
        status: 'fail',
        seen: 'socket 0 closed 1011 Internal Error ("Service not ready") at +420ms, and the run never completed on a later socket',
        evidence: 'socket 0',
      },
      'events-present': { status: 'fail', seen: 'missing tool_executing, tool_completed, agent_completed' },
      'completed-in-time': { status: 'fail', seen: 'no final agent_completed' },
      'final-answer': { status: 'fail', seen: 'no answer' },
      'answer-rendered': { status: 'fail', seen: 'nothing rendered' },
      'complete-budget': { status: 'fail', seen: 'never' },
    },
    class: 'transport',
    ...(message === undefined ? {} : { message }),
  });
}

const REPORT_DIR = '/srv/probe/validation';
const run = (result: RunResult, evidence?: ReportRun['evidence']): ReportRun => ({
  result,
  runDir: `/srv/probe/reports/${result.startedAt.replace(/[:.]/g, '-')}`,
  ...(evidence ? { evidence } : {}),
});

/** After the fix: five runs; the third failed with a 1011, the fourth was slow (degraded). */
function afterWindow(): ReportRun[] {
  return [
    run(makeRun({ startedAt: '2026-11-20T10:00:00.000Z', at: { agent_started: 120 }, completeMs: 1100 })),
    run(makeRun({ startedAt: '2026-11-20T10:05:00.000Z', at: { agent_started: 150 }, completeMs: 1200 })),
    run(transport1011('2026-11-20T10:10:00.000Z')),
    run(
      makeRun({
        startedAt: '2026-11-20T10:15:00.000Z',
        at: { agent_started: 200 },
        completeMs: 31_000,
        notPassed: { 'complete-budget': { status: 'warn', seen: '31000ms' } },
        without: ['answer-rendered'],
      }),
    ),
    run(makeRun({ startedAt: '2026-11-20T10:20:00.000Z', at: { agent_started: 900 }, completeMs: 1300 }), [
      'result',
      'summary',
    ]),
  ];
}

/** Before the fix: four runs, three failed (two 1011, one timeout), slower. */
function baselineWindow(): ReportRun[] {
  return [
    run(transport1011('2026-11-19T09:00:00.000Z')),
    run(makeRun({ startedAt: '2026-11-19T09:05:00.000Z', at: { agent_started: 400 }, completeMs: 2000 })),
    run(
      makeRun({
        startedAt: '2026-11-19T09:10:00.000Z',
        at: { agent_started: 500, agent_completed: null },
        completeMs: null,
        notPassed: { 'completed-in-time': { status: 'fail', seen: 'no final agent_completed within 60000ms' } },
      }),
    ),
    run(transport1011('2026-11-19T09:15:00.000Z')),
  ];
}

const input = (extra: { baseline?: ReportRun[]; runs?: ReportRun[] } = {}) => ({
  title: 'Validation: fix for "Service not ready"',
  generatedAt: '2026-11-20T11:00:00.000Z',
  runs: extra.runs ?? afterWindow(),
  ...(extra.baseline ? { baseline: extra.baseline } : {}),
  links: REPORT_DIR,
});

// ---- the model -------------------------------------------------------------------------------------

test.describe('buildReportModel', () => {
  test('counts the verdicts of the window: success rate counts pass and degraded; one failure fails the window', () => {
    const m = buildReportModel(input());
    const a = m.after;
    expect({
      total: a.total,
      passed: a.passed,
      degraded: a.degraded,
      failed: a.failed,
      errored: a.errored,
      verdict: a.verdict,
    }).toEqual({
      total: 5,
      passed: 3,
      degraded: 1,
      failed: 1,
      errored: 0,
      verdict: 'FAIL',
    });
    expect(a.successRate).toBe(0.8);
    expect(a.runs.map((r) => [r.index, r.status, r.class, r.decidingCheck])).toEqual([
      [1, 'pass', null, null],
      [2, 'pass', null, null],
      [3, 'fail', 'transport', 'transport'],
      [4, 'degraded', null, 'complete-budget'],
      [5, 'pass', null, null],
    ]);
    expect(a.failuresByClass).toEqual([{ class: 'transport', count: 1 }]);
    expect([a.from, a.to]).toEqual(['2026-11-20T10:00:00.000Z', '2026-11-20T10:20:00.000Z']);
  });

  test('a window of passing runs passes; a degraded one is DEGRADED; an empty one is never a pass', () => {
    const healthy = afterWindow().filter((r) => r.result.verdict.status === 'pass');
    expect(buildReportModel(input({ runs: healthy })).after.verdict).toBe('PASS');
    const noFailure = afterWindow().filter((r) => r.result.verdict.status !== 'fail');
    expect(buildReportModel(input({ runs: noFailure })).after.verdict).toBe('DEGRADED');
    const empty = buildReportModel(input({ runs: [] }));
    expect([empty.after.verdict, empty.after.successRate, empty.representative, empty.timelines]).toEqual([
      'NO RUNS',
      null,
      null,
      [],
    ]);
  });

  test('message-sent, which the judge adds only when the probe never sent: every run that sent passed it', () => {
    const sent = makeRun({ startedAt: '2026-11-20T10:00:00Z' });
    const stopped = makeRun({ startedAt: '2026-11-20T10:05:00Z', notPassed: { 'step-failures': { status: 'fail', seen: 'log in: refused' } } });
    stopped.sentAt = null;
    stopped.verdict.checks.push({ name: 'message-sent', status: 'fail', class: 'auth', expected: 'the probe sent its message', seen: 'no send recorded (see step-failures)' });
    const runs = [sent, stopped].map((result, i) => ({ result, runDir: `/r/${i}`, evidence: [] }));
    const row = buildReportModel(input({ runs })).after.checks.find((c) => c.name === 'message-sent');
    expect([row?.pass, row?.fail, row?.notJudged]).toEqual([1, 1, 0]);
  });

  test('per check: pass, warn and fail counts across the runs, runs that did not judge it, and the last time it did not pass', () => {
    const checks = buildReportModel(input()).after.checks;
    expect(checks.map((c) => [c.name, c.pass, c.warn, c.fail, c.notJudged])).toEqual([
      ['step-failures', 5, 0, 0, 0],
      ['transport', 4, 0, 1, 0],
      ['events-present', 4, 0, 1, 0],
      ['completed-in-time', 4, 0, 1, 0],
      ['tool-pairing', 5, 0, 0, 0],
      ['final-answer', 4, 0, 1, 0],
      ['answer-rendered', 3, 0, 1, 1],
      ['complete-budget', 3, 1, 1, 0],
    ]);
    const byName = new Map(checks.map((c) => [c.name, c]));
    expect(byName.get('transport')?.last).toEqual({
      run: 3,
      status: 'fail',
      expected: 'transport holds',
      seen: 'socket 0 closed 1011 Internal Error ("Service not ready") at +420ms, and the run never completed on a later socket',
    });
    // A later warning does not hide an earlier failure.
    expect(byName.get('complete-budget')?.last).toMatchObject({ run: 3, status: 'fail' });
    expect(byName.get('step-failures')?.last).toBeNull();
  });

  test('per event: n, runs that never saw it, nearest-rank p50/p95, min and max in ms after the send', () => {
    const events = buildReportModel(input()).after.events;
    expect(events.map((e) => e.name)).toEqual([...REQUIRED, 'final agent_completed', 'answer visible']);
    const byName = new Map(events.map((e) => [e.name, e]));
    // agent_started: 120, 150, 150 (the 1011 run), 200, 900.
    expect(byName.get('agent_started')).toMatchObject({ n: 5, missing: 0, p50: 150, p95: 900, min: 120, max: 900 });
    // tool_executing: never in the 1011 run.
    expect(byName.get('tool_executing')).toMatchObject({ n: 4, missing: 1, p50: 600, p95: 600, min: 600, max: 600 });
    // final: 1100, 1200, 31000, 1300; the 1011 run never completed.
    expect(byName.get('final agent_completed')).toMatchObject({
      n: 4,
      missing: 1,
      p50: 1200,
      p95: 31_000,
      min: 1100,
      max: 31_000,
    });
    expect(byName.get('final agent_completed')?.values).toEqual([
      { run: 1, ms: 1100 },
      { run: 2, ms: 1200 },
      { run: 4, ms: 31_000 },
      { run: 5, ms: 1300 },
    ]);
    // The answer visible: 100 ms after each run's end, never in the run that never completed.
    expect(byName.get('answer visible')).toMatchObject({ n: 4, missing: 1, p50: 1300, p95: 31_100, min: 1200, max: 31_100 });
  });

  test('percentiles are nearest-rank over the values seen', () => {
    expect(percentile([], 50)).toBeNull();
    expect(percentile([7], 95)).toBe(7);
    const twenty = Array.from({ length: 20 }, (_, i) => (i + 1) * 10);
    expect([percentile(twenty, 50), percentile(twenty, 95), percentile(twenty, 100), percentile(twenty, 0)]).toEqual([
      100, 190, 200, 10,
    ]);
    expect(distribution([300, null, 100.4, 200])).toMatchObject({
      n: 3,
      missing: 1,
      p50: 200,
      p95: 300,
      min: 100,
      max: 300,
    });
  });

  test('before vs after: success rate in percentage points, each event p50/p95 and failures by class, with the direction of the change', () => {
    const m = buildReportModel(input({ baseline: baselineWindow() }));
    expect(m.before).toMatchObject({ total: 4, passed: 1, failed: 3, successRate: 0.25, verdict: 'FAIL' });
    const rows = new Map((m.beforeAfter ?? []).map((r) => [r.metric, r]));
    expect(rows.get('runs')).toEqual({
      metric: 'runs',
      unit: 'count',
      before: 4,
      after: 5,
      delta: 1,
      direction: 'n/a',
    });
    expect(rows.get('success rate (pass or degraded)')).toEqual({
      metric: 'success rate (pass or degraded)',
      unit: 'rate',
      before: 0.25,
      after: 0.8,
      delta: 55,
      direction: 'better',
    });
    // agent_started before: 150, 400, 500, 150 -> p50 150 (rank 2), p95 500; after: p50 150, p95 900.
    expect(rows.get('agent_started p50')).toMatchObject({ before: 150, after: 150, delta: 0, direction: 'same' });
    expect(rows.get('agent_started p95')).toMatchObject({ before: 500, after: 900, delta: 400, direction: 'worse' });
    // final before: only 2000 -> after p50 1200.
    expect(rows.get('final agent_completed p50')).toMatchObject({
      before: 2000,
      after: 1200,
      delta: -800,
      direction: 'better',
    });
    expect(rows.get('failed runs')).toMatchObject({ before: 3, after: 1, delta: -2, direction: 'better' });
    expect(rows.get('failures: transport')).toMatchObject({ before: 2, after: 1, delta: -1, direction: 'better' });
    expect(rows.get('failures: timeout')).toMatchObject({ before: 1, after: 0, delta: -1, direction: 'better' });
    expect([...rows.keys()]).toEqual([
      'runs',
      'success rate (pass or degraded)',
      ...[...REQUIRED, 'final agent_completed', 'answer visible'].flatMap((e) => [`${e} p50`, `${e} p95`]),
      'failed runs',
      'failures: timeout',
      'failures: transport',
    ]);
    expect(buildReportModel(input()).beforeAfter).toBeNull();
  });

  test('the representative run is the last failing run when there is one, else the last run; the latest and the baseline are pictured too', () => {
    const m = buildReportModel(input({ baseline: baselineWindow() }));
    expect(m.representative?.run.index).toBe(3);
    expect(m.representative?.caption).toContain('last failing run of the window (#3)');
    expect(m.timelines.map((t) => [t.role, t.run.index])).toEqual([
      ['representative', 3],
      ['latest', 5],
      ['baseline', 4],
    ]);
    const healthy = buildReportModel(input({ runs: afterWindow().filter((r) => r.result.verdict.status === 'pass') }));
    expect(healthy.representative?.run.index).toBe(3);
    expect(healthy.representative?.caption).toContain('no run of the window failed');
    expect(healthy.timelines.map((t) => t.role)).toEqual(['representative']);
  });

  test('evidence links are relative to the report folder, and only to the files the run folder has', () => {
    const runs = buildReportModel(input()).after.runs;
    expect(runs[0]?.links).toEqual([
      { kind: 'summary', label: 'summary.md', href: '../reports/2026-11-20T10-00-00-000Z/summary.md' },
      { kind: 'result', label: 'result.json', href: '../reports/2026-11-20T10-00-00-000Z/result.json' },
      { kind: 'frames', label: 'frames.ndjson', href: '../reports/2026-11-20T10-00-00-000Z/frames.ndjson' },
      { kind: 'html', label: 'html report', href: '../reports/2026-11-20T10-00-00-000Z/html/index.html' },
    ]);
    expect(runs[4]?.links.map((l) => l.kind)).toEqual(['summary', 'result']);
  });
});

// ---- the timeline picture --------------------------------------------------------------------------

test.describe('timelineSvg', () => {
  test('is deterministic: the same run, even a copy of it, gives the same bytes', () => {
    const result = transport1011('2026-11-20T10:10:00.000Z');
    const svg = timelineSvg(result);
    expect(timelineSvg(structuredClone(result))).toBe(svg);
    expect(timelineSvg(result, { width: 720 })).toBe(timelineSvg(result, { width: 720 }));
    expect(timelineSvg(result, { width: 720 })).not.toBe(svg);
  });

  test('an accessible picture: a title first, a lane per socket, each required event labelled, the close with its code, the failure in red', () => {
    const result = transport1011('2026-11-20T10:10:00.000Z');
    const svg = timelineSvg(result);
    expect(svg).toMatch(
      /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" role="img"[^>]*>\n<title>Timeline of the run started 2026-11-20T10:10:00\.000Z: FAIL \(transport\); ms since the send/,
    );
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    for (const { type } of EVENT_STYLES) expect(svg, `the legend names ${type}`).toContain(`>${type}</text>`);
    expect(svg).toContain('>agent_started +150 ms</text>');
    expect(svg).toContain('>agent_thinking +300 ms</text>');
    expect(svg).toContain('data-close="1011"');
    expect(svg).toContain('>close 1011 +420 ms</text>');
    expect(svg).toContain('close 1011 Internal Error &quot;Service not ready&quot;');
    expect(svg).toContain('<g data-failure="transport">');
    expect(svg).toContain('✗ transport failed at +420 ms');
    expect(svg.match(/<g data-socket="/g)).toHaveLength(1);
    expect(failureMoment(result)).toEqual({ ms: 420, check: 'transport', approximate: false });
  });

  test('a healthy run: every required event drawn and labelled, the final agent_completed marked, no failure', () => {
    const svg = timelineSvg(makeRun({ startedAt: '2026-11-20T10:00:00.000Z' }));
    for (const type of ['agent_started', 'agent_thinking', 'tool_executing', 'tool_completed']) {
      expect(svg).toContain(`>${type} +${HEALTHY[type as Required]} ms</text>`);
    }
    expect(svg).toContain('>agent_completed (final) +1200 ms</text>');
    expect(svg).not.toContain('data-failure');
    expect(svg).not.toContain('data-close');
  });

  test('text from the wire is escaped', () => {
    const svg = timelineSvg(
      makeRun({ startedAt: '2026-11-20T10:00:00.000Z', agentName: '<img src=x onerror=alert(1)>' }),
    );
    expect(svg).not.toContain('<img');
    expect(svg).toContain('agent_started (&lt;img src=x onerror=alert(1)&gt;)');
  });
});

// ---- the renderers ---------------------------------------------------------------------------------

const SCRIPT = '<script>alert("owned")</script>';

test.describe('renderHtml', () => {
  test('escapes text from servers: a <script> in a message, a check, an answer never becomes markup', () => {
    const runs = afterWindow();
    runs[2] = run(transport1011('2026-11-20T10:10:00.000Z', `transport: ${SCRIPT} & more`));
    const html = renderHtml(buildReportModel(input({ runs })));
    expect(html).not.toContain('<script');
    expect(html).toContain('transport: &lt;script&gt;alert(&quot;owned&quot;)&lt;/script&gt; &amp; more');
    const titled = renderHtml(buildReportModel({ ...input(), title: `Report ${SCRIPT}` }));
    expect(titled).not.toContain('<script');
  });

  test('a self-contained page with every section, and links only to the run folders', () => {
    const html = renderHtml(buildReportModel(input({ baseline: baselineWindow() })));
    for (const id of [
      'headline',
      'window-verdict',
      'before-after',
      'runs-table',
      'baseline-runs-table',
      'checks-table',
      'events-table',
      'timeline',
    ]) {
      expect(html, id).toContain(`data-testid="${id}"`);
    }
    expect(html).toContain('data-testid="window-verdict">FAIL</div>');
    expect(html).toContain('5 runs, 3 passed, 1 degraded, 1 failed; success rate 80% (pass or degraded).');
    expect(html.match(/<svg xmlns=/g)).toHaveLength(3);
    // No external resource: no src, no url(), no @import; links relative or in-page.
    expect(html).not.toMatch(/\ssrc=|url\(|@import|<link|<script/i);
    const hrefs = [...html.matchAll(/href="([^"]*)"/g)].map((m) => m[1] ?? '');
    expect(hrefs.length).toBeGreaterThan(20);
    for (const href of hrefs)
      expect(href).toMatch(
        /^(#[a-z-]+|\.\.\/reports\/[\w-]+\/(summary\.md|result\.json|frames\.ndjson|html\/index\.html))$/,
      );
  });
});

test('a run of several sessions shows each session side by side, each with its own timeline lane', () => {
  const one = makeRun({ startedAt: '2026-11-20T10:00:00.000Z', at: { agent_started: 120 }, completeMs: 1100 });
  const failing = transport1011('2026-11-20T10:00:00.000Z');
  const sessions = [one, failing, one].map((r, i) => ({
    session: i + 1,
    frames: `frames-${i + 1}.ndjson`,
    message: r.message,
    nonce: `n-${i + 1}`,
    userId: `user-${i + 1}`,
    sentAt: r.sentAt,
    verdict: r.verdict,
    steps: r.steps,
    waits: r.waits,
    sockets: r.sockets,
    timeline: r.timeline,
  }));
  const multi: RunResult = { ...failing, users: 3, decidingSession: 2, sessions };
  const html = renderHtml(buildReportModel(input({ runs: [run(multi)] })));
  const lanes = [...html.matchAll(/<div class="svg" data-session="(\d)"><h4>([^<]*)<\/h4><svg xmlns=/g)].map((m) => [m[1], m[2]]);
  expect(lanes).toEqual([
    ['1', 'session 1: pass, user user-1'],
    ['2', 'session 2: fail (transport), user user-2'],
    ['3', 'session 3: pass, user user-3'],
  ]);
  // The run's frames link is the deciding session's file.
  expect(html).toContain('href="../reports/2026-11-20T10-00-00-000Z/frames-2.ndjson"');
});

test('a fleet: a table of locations, each beside its own baseline; a baseline location no longer run is left out of before vs after', () => {
  const at = (startedAt: string, location: string, ok = true) => ({ ...(ok ? makeRun({ startedAt, at: { agent_started: 100 }, completeMs: 1000 }) : transport1011(startedAt)), location });
  const runs = [at('2026-11-20T10:00:00.000Z', 'eu-west'), at('2026-11-20T10:00:01.000Z', 'us-east', false), at('2026-11-20T10:05:00.000Z', 'eu-west')].map((r) => run(r));
  const baseline = [at('2026-11-19T10:00:00.000Z', 'eu-west', false), at('2026-11-19T10:00:01.000Z', 'us-east'), at('2026-11-19T10:00:02.000Z', 'ap-south', false)].map((r) => run(r));
  const model = buildReportModel(input({ runs, baseline }));
  expect(model.locations).toEqual([
    { location: 'eu-west', after: { runs: 2, successRate: 1, completeP50: 1000 }, before: { runs: 1, successRate: 0, completeP50: null } },
    { location: 'us-east', after: { runs: 1, successRate: 0, completeP50: null }, before: { runs: 1, successRate: 1, completeP50: 1000 } },
  ]);
  // ap-south ran only before: the baseline compared holds eu-west and us-east.
  expect(model.before?.total).toBe(2);
  expect(renderHtml(model)).toContain('<tr data-location="us-east"><th scope="row">us-east</th><td class="num">1</td><td class="num">0%</td>');
  expect(renderMarkdown(model)).toContain('| eu-west | 2 | 100% | 1,000 ms | 1 | 0% | — |');
});

test.describe('renderMarkdown', () => {
  test('the same sections as tables, the picture as timeline.svg, server text escaped', () => {
    const runs = afterWindow();
    runs[2] = run(transport1011('2026-11-20T10:10:00.000Z', `a | pipe and ${SCRIPT}\nsecond line`));
    const md = renderMarkdown(buildReportModel(input({ runs, baseline: baselineWindow() })));
    expect(md.split('\n')[0]).toBe('# Validation: fix for "Service not ready": FAIL');
    for (const header of [
      '| metric | before | after | change |',
      '| # | started | took | status | class | send → final | send → answer visible | message | evidence |',
      '| check | fails as | pass | warn | fail | not judged | last time it did not pass |',
      '| event | seen in | p50 | p95 | min | max |',
    ]) {
      expect(md, header).toContain(`\n${header}\n`);
    }
    expect(md).toContain('| success rate (pass or degraded) | 25% | 80% | +55 pp (better) |');
    expect(md).toContain('| final agent_completed p50 | 2,000 ms | 1,200 ms | −800 ms (better) |');
    expect(md).toContain('| transport | transport | 4 | 0 | **1** |  | run #3 (fail): socket 0 closed 1011');
    expect(md).toContain('| agent_started | 5/5 | 150 ms | 900 ms | 120 ms | 900 ms |');
    expect(md).toContain('| tool_executing | **4/5** |');
    expect(md).toContain('](timeline.svg)');
    expect(md).toContain('[summary.md](../reports/2026-11-20T10-10-00-000Z/summary.md)');
    expect(md).toContain('a \\| pipe and &lt;script&gt;alert("owned")&lt;/script&gt; second line');
    expect(md).not.toContain('<script');
    // One row per run of each window: five after, four before.
    expect(md.match(/^\| \d+ \| 2026-11-20 /gm)).toHaveLength(5);
    expect(md.match(/^\| \d+ \| 2026-11-19 /gm)).toHaveLength(4);
  });
});

// ---- loadRuns --------------------------------------------------------------------------------------

test('loadRuns: run folders oldest first by startedAt, within since/until and the last N; latest, hidden and unreadable folders skipped', ({}, testInfo) => {
  const dir = testInfo.outputPath('reports');
  const write = (name: string, content: string | RunResult) => {
    mkdirSync(join(dir, name), { recursive: true });
    writeFileSync(join(dir, name, 'result.json'), typeof content === 'string' ? content : JSON.stringify(content));
  };
  // Folder names out of order on purpose: the order is startedAt's.
  write('b', makeRun({ startedAt: '2026-11-20T10:00:00.000Z' }));
  write('a', makeRun({ startedAt: '2026-11-20T11:00:00.000Z' }));
  write('c', transport1011('2026-11-20T12:00:00.000Z'));
  write('d', makeRun({ startedAt: '2026-11-20T09:00:00.000Z' }));
  write('broken', '{"schemaVersion": 1, "startedAt": ');
  write('old-schema', JSON.stringify({ schemaVersion: 0, startedAt: '2026-11-20T10:30:00.000Z' }));
  write('.hidden', makeRun({ startedAt: '2026-11-20T10:40:00.000Z' }));
  mkdirSync(join(dir, 'empty'));
  writeFileSync(join(dir, 'a', 'summary.md'), '# a\n');
  symlinkSync('c', join(dir, 'latest'), 'dir');

  const skipped: string[] = [];
  const all = loadRuns(dir, {}, (runDir, reason) =>
    skipped.push(`${runDir.slice(dir.length + 1)}: ${reason.split(':')[0]}`),
  );
  expect(all.map((r) => r.runDir.slice(dir.length + 1))).toEqual(['d', 'b', 'a', 'c']);
  expect(skipped).toEqual([
    'broken: result.json is not readable JSON',
    'empty: no result.json',
    'old-schema: result.json has schemaVersion 0, not 1',
  ]);
  expect(all.find((r) => r.runDir.endsWith('a'))?.evidence).toEqual(['summary', 'result']);

  const names = (runs: ReportRun[]) => runs.map((r) => r.runDir.slice(dir.length + 1));
  expect(names(loadRuns(dir, { since: new Date('2026-11-20T10:00:00.000Z') }))).toEqual(['b', 'a', 'c']);
  expect(names(loadRuns(dir, { until: new Date('2026-11-20T11:00:00.000Z') })), 'until is exclusive').toEqual([
    'd',
    'b',
  ]);
  expect(names(loadRuns(dir, { since: new Date('2026-11-20T09:30:00.000Z'), last: 2 }))).toEqual(['a', 'c']);
  expect(names(loadRuns(dir, { last: 0 }))).toEqual([]);
  expect(loadRuns(join(dir, 'nowhere'), {})).toEqual([]);
});
