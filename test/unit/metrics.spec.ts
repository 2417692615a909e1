// The Prometheus exposition of a run: pure, asserted as whole text.
import { expect, test } from '@playwright/test';
import type { Verdict } from '../../src/contract/types';
import { historyStats, type HistoryRecord } from '../../src/ops/history';
import { escapeLabel, renderMetrics } from '../../src/ops/metrics';
import type { RunResult } from '../../src/report/result';

function runResult(verdict: Partial<Verdict> = {}, appUrl = 'https://app.staging.example'): RunResult {
  return {
    schemaVersion: 1,
    startedAt: '2025-03-01T12:00:00.000Z',
    finishedAt: '2025-03-01T12:00:07.250Z',
    durationMs: 7250,
    target: {
      embedded: false,
      profile: 'netra',
      appUrl,
      apiUrl: 'https://api.staging.example',
      authUrl: 'https://auth.staging.example',
      login: 'e2e-bypass',
      version: '1.4.2',
    },
    message: 'What drives my costs? [probe 81eab48dec91]',
    nonce: '81eab48dec91',
    userId: 'u-1',
    sentAt: 1500,
    verdict: {
      status: 'pass',
      class: null,
      message: 'all 16 checks passed',
      checks: [],
      events: [
        { type: 'agent_started', firstSeenMs: 120, count: 1 },
        { type: 'agent_thinking', firstSeenMs: 250, count: 2 },
        { type: 'tool_executing', firstSeenMs: 400, count: 1 },
        { type: 'tool_completed', firstSeenMs: 1800, count: 1 },
        { type: 'agent_completed', firstSeenMs: 5025, count: 2 },
      ],
      runId: 'r-1',
      threadId: 't-1',
      answer: { frames: 'GPU inference', page: 'GPU inference' },
      timings: { firstEventMs: 120, completeMs: 5025, answerVisibleMs: 5480 },
      warnings: [],
      retries: [],
      ...verdict,
    },
    steps: [],
    waits: [],
    sockets: [],
    timeline: [],
  };
}

test('a passing run: up, status, duration, each event, last run time; no window metrics without stats', () => {
  expect(renderMetrics(runResult())).toBe(
    [
      '# HELP golden_path_up 1 when the last run passed or was degraded, 0 when it failed or the probe could not judge (error).',
      '# TYPE golden_path_up gauge',
      'golden_path_up{target="https://app.staging.example",journey="golden-path"} 1',
      '# HELP golden_path_status The last run verdict: 1 for its status, 0 for the others.',
      '# TYPE golden_path_status gauge',
      'golden_path_status{target="https://app.staging.example",journey="golden-path",status="pass"} 1',
      'golden_path_status{target="https://app.staging.example",journey="golden-path",status="degraded"} 0',
      'golden_path_status{target="https://app.staging.example",journey="golden-path",status="fail"} 0',
      'golden_path_status{target="https://app.staging.example",journey="golden-path",status="error"} 0',
      '# HELP golden_path_duration_seconds How long the last run took, from its start to its verdict, in seconds.',
      '# TYPE golden_path_duration_seconds gauge',
      'golden_path_duration_seconds{target="https://app.staging.example",journey="golden-path"} 7.25',
      "# HELP golden_path_event_seconds Seconds from the send to the first time each event of the last run was seen (the first agent_completed may be a sub-agent's); events never seen are absent.",
      '# TYPE golden_path_event_seconds gauge',
      'golden_path_event_seconds{target="https://app.staging.example",journey="golden-path",event="agent_started"} 0.12',
      'golden_path_event_seconds{target="https://app.staging.example",journey="golden-path",event="agent_thinking"} 0.25',
      'golden_path_event_seconds{target="https://app.staging.example",journey="golden-path",event="tool_executing"} 0.4',
      'golden_path_event_seconds{target="https://app.staging.example",journey="golden-path",event="tool_completed"} 1.8',
      'golden_path_event_seconds{target="https://app.staging.example",journey="golden-path",event="agent_completed"} 5.025',
      "# HELP golden_path_final_completed_seconds Seconds from the send to the last run's final agent_completed (its root agent's: a sub-agent's comes first); absent when it never came.",
      '# TYPE golden_path_final_completed_seconds gauge',
      'golden_path_final_completed_seconds{target="https://app.staging.example",journey="golden-path"} 5.025',
      "# HELP golden_path_answer_visible_seconds Seconds from the send until the last run's final answer was visible in the page: the wait a user feels; absent when it never was.",
      '# TYPE golden_path_answer_visible_seconds gauge',
      'golden_path_answer_visible_seconds{target="https://app.staging.example",journey="golden-path"} 5.48',
      "# HELP golden_path_users How many sessions the last run had at once (PROBE_USERS); with several, the event times are the slowest session's.",
      '# TYPE golden_path_users gauge',
      'golden_path_users{target="https://app.staging.example",journey="golden-path"} 1',
      '# HELP golden_path_last_run_timestamp_seconds When the last run finished, in seconds since the Unix epoch.',
      '# TYPE golden_path_last_run_timestamp_seconds gauge',
      'golden_path_last_run_timestamp_seconds{target="https://app.staging.example",journey="golden-path"} 1740830407.25',
      '',
    ].join('\n'),
  );
});

function rec(status: HistoryRecord['status'], cls: HistoryRecord['class']): HistoryRecord {
  const at = '2025-03-01T11:00:00.000Z';
  return {
    id: 1,
    startedAt: at,
    finishedAt: at,
    status,
    class: cls,
    message: '',
    durationMs: 1,
    firstEventMs: null,
    completeMs: null,
    answerVisibleMs: null,
    events: {},
    target: 'https://app.staging.example',
    version: null,
    runDir: 'r',
    failedCheck: null,
    users: 1,
    traceId: null,
    location: '',
    journey: 'golden-path',
    turns: null,
  };
}

test('a failing run with history stats: up 0, events never seen are absent, failures by class and the success ratio', () => {
  const failing = runResult({
    status: 'fail',
    class: 'timeout',
    message: 'completed-in-time: expected the final agent_completed; none',
    events: [
      { type: 'agent_started', firstSeenMs: 300, count: 1 },
      { type: 'agent_thinking', firstSeenMs: null, count: 0 },
      { type: 'tool_executing', firstSeenMs: null, count: 0 },
      { type: 'tool_completed', firstSeenMs: null, count: 0 },
      { type: 'agent_completed', firstSeenMs: null, count: 0 },
    ],
    // The run never completed and no answer showed: both milestones are absent, not 0.
    timings: { firstEventMs: 300, completeMs: null, answerVisibleMs: null },
  });
  const stats = historyStats([
    rec('pass', null),
    rec('degraded', null),
    rec('fail', 'timeout'),
    rec('fail', 'timeout'),
    rec('error', 'probe'),
  ]);
  const t = 'target="https://app.staging.example",journey="golden-path"';
  expect(renderMetrics(failing, stats)).toBe(
    [
      '# HELP golden_path_up 1 when the last run passed or was degraded, 0 when it failed or the probe could not judge (error).',
      '# TYPE golden_path_up gauge',
      `golden_path_up{${t}} 0`,
      '# HELP golden_path_status The last run verdict: 1 for its status, 0 for the others.',
      '# TYPE golden_path_status gauge',
      `golden_path_status{${t},status="pass"} 0`,
      `golden_path_status{${t},status="degraded"} 0`,
      `golden_path_status{${t},status="fail"} 1`,
      `golden_path_status{${t},status="error"} 0`,
      '# HELP golden_path_duration_seconds How long the last run took, from its start to its verdict, in seconds.',
      '# TYPE golden_path_duration_seconds gauge',
      `golden_path_duration_seconds{${t}} 7.25`,
      "# HELP golden_path_event_seconds Seconds from the send to the first time each event of the last run was seen (the first agent_completed may be a sub-agent's); events never seen are absent.",
      '# TYPE golden_path_event_seconds gauge',
      `golden_path_event_seconds{${t},event="agent_started"} 0.3`,
      "# HELP golden_path_users How many sessions the last run had at once (PROBE_USERS); with several, the event times are the slowest session's.",
      '# TYPE golden_path_users gauge',
      `golden_path_users{${t}} 1`,
      '# HELP golden_path_last_run_timestamp_seconds When the last run finished, in seconds since the Unix epoch.',
      '# TYPE golden_path_last_run_timestamp_seconds gauge',
      `golden_path_last_run_timestamp_seconds{${t}} 1740830407.25`,
      '# HELP golden_path_failures_total Runs that failed or errored in the history window, by failure class (a window count: it falls as runs leave the window).',
      '# TYPE golden_path_failures_total gauge',
      `golden_path_failures_total{${t},class="missing-event"} 0`,
      `golden_path_failures_total{${t},class="order"} 0`,
      `golden_path_failures_total{${t},class="pairing"} 0`,
      `golden_path_failures_total{${t},class="timeout"} 2`,
      `golden_path_failures_total{${t},class="transport"} 0`,
      `golden_path_failures_total{${t},class="auth"} 0`,
      `golden_path_failures_total{${t},class="isolation"} 0`,
      `golden_path_failures_total{${t},class="fallback-stub"} 0`,
      `golden_path_failures_total{${t},class="ui-render"} 0`,
      `golden_path_failures_total{${t},class="persistence"} 0`,
      `golden_path_failures_total{${t},class="error-event"} 0`,
      `golden_path_failures_total{${t},class="config"} 0`,
      `golden_path_failures_total{${t},class="probe"} 1`,
      '# HELP golden_path_success_ratio Share of the runs in the history window that passed or were degraded (0 to 1).',
      '# TYPE golden_path_success_ratio gauge',
      `golden_path_success_ratio{${t}} 0.4`,
      '',
    ].join('\n'),
  );
});

test('no events seen: the event family is left out entirely; an empty window has failures at 0 and no ratio', () => {
  const text = renderMetrics(runResult({ status: 'error', class: 'config', events: [] }), historyStats([]));
  expect(text).not.toContain('golden_path_event_seconds');
  expect(text).not.toContain('golden_path_success_ratio');
  expect(text).toContain('golden_path_up{target="https://app.staging.example",journey="golden-path"} 0\n');
  expect(text).toContain('golden_path_status{target="https://app.staging.example",journey="golden-path",status="error"} 1\n');
  expect(text).toContain('golden_path_failures_total{target="https://app.staging.example",journey="golden-path",class="config"} 0\n');
});

test('label values escape backslashes, double quotes and line feeds', () => {
  expect(escapeLabel('a\\b"c\nd')).toBe('a\\\\b\\"c\\nd');
  const text = renderMetrics(runResult({}, 'http://x/"quoted"\\path\nnext'));
  expect(text).toContain('golden_path_up{target="http://x/\\"quoted\\"\\\\path\\nnext",journey="golden-path"} 1\n');
  // Every sample stays on one line: no raw line feed inside a sample.
  for (const line of text.trimEnd().split('\n'))
    expect(line).toMatch(
      /^(# (HELP|TYPE) golden_path_\w+ .+|golden_path_\w+\{target="(?:[^"\\\n]|\\.)*"(,\w+="[^"]*")*\} \S+)$/
    );
});

test('a user:password@ part in the target never becomes a label', () => {
  const text = renderMetrics(runResult({}, 'https://probe:hunter2@app.staging.example/chat'));
  expect(text).not.toContain('hunter2');
  expect(text).toContain('golden_path_up{target="https://app.staging.example/chat",journey="golden-path"} 1\n');
});

test('a run of several sessions: golden_path_users and each session\'s event times', () => {
  const one = runResult();
  const sessions = [1, 2].map((session) => ({ ...one, session, frames: `frames-${session}.ndjson`, verdict: { ...one.verdict, events: [{ type: 'agent_started', firstSeenMs: 100 * session, count: 1 }] } }));
  const text = renderMetrics({ ...one, users: 2, sessions });
  expect(text).toContain('golden_path_users{target="https://app.staging.example",journey="golden-path"} 2\n');
  expect(text).toContain('golden_path_session_event_seconds{target="https://app.staging.example",journey="golden-path",session="1",event="agent_started"} 0.1\n');
  expect(text).toContain('golden_path_session_event_seconds{target="https://app.staging.example",journey="golden-path",session="2",event="agent_started"} 0.2\n');
});
