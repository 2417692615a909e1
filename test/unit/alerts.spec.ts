// Alerts: the decision on whole sequences of runs (each sequence replayed run by run, the way the loop feeds
// it, and its whole log of alerts asserted at once), the message built from a run, and the two payload formats.

import { expect, test } from '@playwright/test';
import type { Check, FailureClass, Status } from '../../src/contract/types';
import {
  alertPayload,
  alertmanagerUrl,
  buildAlert,
  decideAlert,
  decideFleetAlert,
  type AlertKind,
  type AlertPolicy,
} from '../../src/ops/alerts';
import { parseAlertWindow } from '../../src/config/alert-window';
import type { AlertRecord, HistoryRecord } from '../../src/ops/history';
import type { RunResult } from '../../src/report/result';
import type { TimelineRow } from '../../src/report/timeline';

const T0 = Date.parse('2026-03-01T12:00:00.000Z');
const MINUTE = 60_000;
const RUN_MS = 20_000;
const TARGET = 'https://staging.example.com';

const STATUS: Record<string, Status> = { P: 'pass', D: 'degraded', F: 'fail', E: 'error' };

/** One record per letter (P pass, D degraded, F fail, E error), one run every `spacingMs`, each taking 20 s. */
function runs(pattern: string, spacingMs = MINUTE): HistoryRecord[] {
  return [...pattern].map((letter, i) => {
    const status = STATUS[letter];
    if (!status) throw new Error(`unknown run letter ${letter}`);
    const failed = status === 'fail' || status === 'error';
    const start = T0 + i * spacingMs;
    return {
      id: i + 1,
      startedAt: new Date(start).toISOString(),
      finishedAt: new Date(start + RUN_MS).toISOString(),
      status,
      class: failed ? (status === 'error' ? 'probe' : 'timeout') : null,
      message: failed ? 'the final agent_completed never came' : 'all checks passed',
      durationMs: RUN_MS,
      firstEventMs: 800,
      completeMs: failed ? null : 1500,
      answerVisibleMs: failed ? null : 1600,
      events: { agent_started: 800 },
      target: TARGET,
      version: '2026.03.1',
      runDir: `/var/probe/reports/run-${i + 1}`,
      failedCheck: failed ? 'completed-in-time' : null,
      users: 1,
      traceId: null,
      location: 'eu-west',
      journey: 'golden-path',
      turns: null,
    };
  });
}

interface Replay {
  spacingMs?: number;
  /** Whether the alert decided at run `i` reached the receiver; delivered unless said otherwise. */
  delivered?: (kind: AlertKind, i: number) => boolean;
}

/**
 * Replays the runs one by one, as the loop does: after each run, decide with the history so far and the last
 * alert recorded, at the time the run finished; an alert decided is recorded. The log: one entry per run.
 */
function replay(pattern: string, policy: AlertPolicy, opts: Replay = {}): Array<AlertKind | '-'> {
  const records = runs(pattern, opts.spacingMs);
  let lastAlert: AlertRecord | null = null;
  const log: Array<AlertKind | '-'> = [];
  records.forEach((record, i) => {
    const now = new Date(record.finishedAt);
    const kind = decideAlert(records.slice(0, i + 1), lastAlert, policy, now);
    log.push(kind ?? '-');
    if (kind) {
      const delivered = opts.delivered ? opts.delivered(kind, i) : true;
      lastAlert = { id: log.length, at: now.toISOString(), kind, runId: record.id, delivered, detail: 'test', scope: 'eu-west', sendingUntil: null };
    }
  });
  return log;
}

const AFTER_3: AlertPolicy = { after: 3, remindEveryMs: null };
const WINDOW_3_IN_15M: AlertPolicy = { after: 3, window: { failures: 3, withinMs: 15 * MINUTE }, remindEveryMs: null };

test.describe('decideAlert', () => {
  test('a healthy history never alerts, degraded runs included', () => {
    expect(replay('PPPPDPPDDP', AFTER_3)).toEqual(['-', '-', '-', '-', '-', '-', '-', '-', '-', '-']);
    expect(replay('PPPPDPPDDP', { ...WINDOW_3_IN_15M, remindEveryMs: MINUTE })).toEqual(Array(10).fill('-'));
  });

  test('after=3: one and two failures say nothing, the third says failing, the fourth and fifth nothing', () => {
    expect(replay('F', AFTER_3)).toEqual(['-']);
    expect(replay('FF', AFTER_3)).toEqual(['-', '-']);
    expect(replay('FFFFF', { after: 3, remindEveryMs: 60 * MINUTE })).toEqual(['-', '-', 'failing', '-', '-']);
    expect(replay('PPFFFFF', AFTER_3)).toEqual(['-', '-', '-', '-', 'failing', '-', '-']);
  });

  test('after=1 alerts on the first failure', () => {
    expect(replay('PFFP', { after: 1, remindEveryMs: null })).toEqual(['-', 'failing', '-', 'recovered']);
  });

  test('while still failing, a reminder every remindEveryMs after the last alert, and never with null', () => {
    // Runs every minute, each finishing 20 s after it starts: failing at 12:02:20, reminders at 12:07:20, 12:12:20.
    const remind5m = { after: 3, remindEveryMs: 5 * MINUTE };
    expect(replay('FFFFFFFFFFFFF', remind5m)).toEqual([
      '-',
      '-',
      'failing',
      '-',
      '-',
      '-',
      '-',
      'reminder',
      '-',
      '-',
      '-',
      '-',
      'reminder',
    ]);
    expect(replay('FFFFFFFFFFFFF', AFTER_3)).toEqual(['-', '-', 'failing', ...Array(10).fill('-')]);
  });

  test('the reminder is due exactly remindEveryMs after the last alert, not a millisecond before', () => {
    const recent = runs('FFFF');
    const at = '2026-03-01T12:02:20.000Z';
    const last: AlertRecord = { id: 1, at, kind: 'failing', runId: 3, delivered: true, detail: '', scope: 'eu-west', sendingUntil: null };
    const policy = { after: 3, remindEveryMs: 5 * MINUTE };
    expect(decideAlert(recent, last, policy, new Date(Date.parse(at) + 5 * MINUTE - 1))).toBeNull();
    expect(decideAlert(recent, last, policy, new Date(Date.parse(at) + 5 * MINUTE))).toBe('reminder');
    // A reminder starts the count again.
    const reminded: AlertRecord = { ...last, kind: 'reminder', at: '2026-03-01T12:07:20.000Z' };
    expect(decideAlert(recent, reminded, policy, new Date('2026-03-01T12:10:00.000Z'))).toBeNull();
  });

  test('recovery: recovered once on the first success after a failing alert, then nothing', () => {
    expect(replay('FFFPPPP', AFTER_3)).toEqual(['-', '-', 'failing', 'recovered', '-', '-', '-']);
    expect(replay('FFFFDPP', AFTER_3)).toEqual(['-', '-', 'failing', '-', 'recovered', '-', '-']);
    // After a reminder too.
    expect(replay('FFFFFFFP', { after: 3, remindEveryMs: 3 * MINUTE })).toEqual([
      '-',
      '-',
      'failing',
      '-',
      '-',
      'reminder',
      '-',
      'recovered',
    ]);
  });

  test('a success without a failing alert before it is no recovery', () => {
    expect(replay('FFPFFP', AFTER_3)).toEqual(['-', '-', '-', '-', '-', '-']);
  });

  test('the failures of a closed episode never count towards the next one', () => {
    expect(replay('FFFPFFPFFF', AFTER_3)).toEqual([
      '-',
      '-',
      'failing',
      'recovered',
      '-',
      '-',
      '-',
      '-',
      '-',
      'failing',
    ]);
  });

  test('flapping: never three in a row, so never an alert on consecutive failures alone', () => {
    expect(replay('FPFPFPFPFPFP', AFTER_3)).toEqual(Array(12).fill('-'));
  });

  test('flapping with a window of 3 in 15m: one failing/recovered pair per three failures, not one per change', () => {
    expect(replay('FPFPFPFPFPFP', WINDOW_3_IN_15M)).toEqual([
      '-',
      '-',
      '-',
      '-',
      'failing',
      'recovered',
      '-',
      '-',
      '-',
      '-',
      'failing',
      'recovered',
    ]);
  });

  test('window: 3 failures within 15 minutes, not consecutive, say failing; spread wider, they do not', () => {
    expect(replay('FPPFPF', WINDOW_3_IN_15M)).toEqual(['-', '-', '-', '-', '-', 'failing']);
    // One run every 8 minutes: F at 0, 16 and 32 minutes: never 3 within 15 minutes.
    expect(replay('FPFPF', WINDOW_3_IN_15M, { spacingMs: 8 * MINUTE })).toEqual(['-', '-', '-', '-', '-']);
    // The same with the window opened to 40 minutes.
    const wide = { ...WINDOW_3_IN_15M, window: { failures: 3, withinMs: 40 * MINUTE } };
    expect(replay('FPFPF', wide, { spacingMs: 8 * MINUTE })).toEqual(['-', '-', '-', '-', 'failing']);
  });

  test('window: only the runs within the window of now count', () => {
    // Two old failures (minutes 0, 1) and one new one (minute 30): two of them fell out of the window.
    // (after=10, so that only the window decides.)
    const recent = [...runs('FF'), { ...runs('F')[0]!, id: 3, startedAt: new Date(T0 + 30 * MINUTE).toISOString() }];
    const window15m = { ...WINDOW_3_IN_15M, after: 10 };
    expect(decideAlert(recent, null, window15m, new Date(T0 + 30 * MINUTE + RUN_MS))).toBeNull();
    const wider = { ...window15m, window: { failures: 3, withinMs: 31 * MINUTE } };
    expect(decideAlert(recent, null, wider, new Date(T0 + 30 * MINUTE + RUN_MS))).toBe('failing');
  });

  test('errors count as failures, alone or mixed with fails', () => {
    expect(replay('EEE', AFTER_3)).toEqual(['-', '-', 'failing']);
    expect(replay('FEF', AFTER_3)).toEqual(['-', '-', 'failing']);
    expect(replay('EFPEEE', AFTER_3)).toEqual(['-', '-', '-', '-', '-', 'failing']);
    expect(replay('EPEPE', WINDOW_3_IN_15M)).toEqual(['-', '-', '-', '-', 'failing']);
  });

  test('degraded counts as a success: it breaks a streak and it recovers', () => {
    expect(replay('FFDF', AFTER_3)).toEqual(['-', '-', '-', '-']);
    expect(replay('FFFD', AFTER_3)).toEqual(['-', '-', 'failing', 'recovered']);
  });

  test('an alert that was not delivered is sent again while its state holds, and only then', () => {
    const failingLost = (kind: AlertKind, i: number) => !(kind === 'failing' && i === 2);
    expect(replay('FFFFFF', AFTER_3, { delivered: failingLost })).toEqual(['-', '-', 'failing', 'failing', '-', '-']);
    const recoveredLost = (kind: AlertKind, i: number) => !(kind === 'recovered' && i === 3);
    expect(replay('FFFPPP', AFTER_3, { delivered: recoveredLost })).toEqual([
      '-',
      '-',
      'failing',
      'recovered',
      'recovered',
      '-',
    ]);
    // A failing alert that never got through, then the target recovers: recovered, once.
    expect(replay('FFFPP', AFTER_3, { delivered: (k) => k !== 'failing' })).toEqual([
      '-',
      '-',
      'failing',
      'recovered',
      '-',
    ]);
  });

  test('an alert on its way (recorded, another probe delivering it): nothing, failing or recovered, until its claim runs out undelivered', () => {
    const at = '2026-03-01T12:02:20.000Z';
    const claimEnds = Date.parse(at) + 15_000;
    const onItsWay: AlertRecord = { id: 1, at, kind: 'failing', runId: 3, delivered: false, detail: 'on its way', scope: 'eu-west', sendingUntil: claimEnds };
    const policy = { after: 3, remindEveryMs: MINUTE };
    const during = new Date(claimEnds - 1);
    expect([decideAlert(runs('FFFF'), onItsWay, policy, during), decideAlert(runs('FFFP'), onItsWay, policy, during)]).toEqual([null, null]);
    // Its probe died on the way: the claim ran out, so the next run sends it again; marked undelivered, the same.
    const after = new Date(claimEnds);
    expect(decideAlert(runs('FFFF'), onItsWay, policy, after)).toBe('failing');
    expect(decideAlert(runs('FFFF'), { ...onItsWay, sendingUntil: null }, policy, during)).toBe('failing');
    // Delivered: the claim no longer matters.
    expect(decideAlert(runs('FFFP'), { ...onItsWay, delivered: true }, policy, during)).toBe('recovered');
    // The fleet's decision follows the same rule.
    const fleet = { min: 1, withinMs: 60 * MINUTE };
    expect(decideFleetAlert({ seen: ['eu-west'], failing: [] }, onItsWay, policy, fleet, during)).toBeNull();
    expect(decideFleetAlert({ seen: ['eu-west'], failing: [] }, onItsWay, policy, fleet, after)).toBe('recovered');
  });

  test('no history: nothing to decide', () => {
    expect(decideAlert([], null, AFTER_3, new Date(T0))).toBeNull();
  });
});

test.describe('parseAlertWindow', () => {
  test('X/duration', () => {
    expect(parseAlertWindow('3/15m')).toEqual({ failures: 3, withinMs: 15 * MINUTE });
    expect(parseAlertWindow('5/1h')).toEqual({ failures: 5, withinMs: 60 * MINUTE });
    expect(parseAlertWindow(' 2 / 90s ')).toEqual({ failures: 2, withinMs: 90_000 });
    expect(parseAlertWindow('10/1h30m')).toEqual({ failures: 10, withinMs: 90 * MINUTE });
  });

  for (const bad of ['3', '3/', '/15m', '0/15m', 'x/15m', '1.5/15m', '3/15', '3/0s', '3/15m/2', '3/soon', '']) {
    test(`rejects ${JSON.stringify(bad)}, naming it`, () => {
      expect(() => parseAlertWindow(bad)).toThrow(`invalid alert window ${JSON.stringify(bad)}`);
    });
  }
});

// ---------------------------------------------------------------------------------------------------------

const PRIVATE = 'PRIVATE-USER-TEXT';

function timeline(n: number): TimelineRow[] {
  const types = ['connection_established', 'agent_started', 'agent_thinking', 'tool_executing', 'tool_completed'];
  return Array.from({ length: n }, (_, i) => ({
    ms: i * 100 - 200,
    dir: i === n - 1 ? 'close' : i % 4 === 0 ? 'out' : 'in',
    socket: i === n - 1 ? 1 : 0,
    type: i === n - 1 ? 'close 1011 Internal Error' : types[i % types.length]!,
    payload: `{"content":"${PRIVATE} ${i}"}`,
  }));
}

function check(name: string, status: Check['status'], cls: FailureClass): Check {
  return { name, status, class: cls, expected: 'x', seen: 'y' };
}

function result(status: Status, cls: FailureClass | null, message: string, rows = timeline(15)): RunResult {
  const failed = status === 'fail' || status === 'error';
  return {
    schemaVersion: 1,
    startedAt: '2026-03-01T12:04:00.000Z',
    finishedAt: '2026-03-01T12:04:20.000Z',
    durationMs: 20_000,
    target: {
      embedded: false,
      profile: 'netra',
      appUrl: TARGET,
      apiUrl: 'https://api.staging.example.com',
      authUrl: 'https://auth.staging.example.com',
      login: 'e2e-bypass',
      version: '2026.03.1',
    },
    message: `Summarize my usage for yesterday [probe 81eab48dec91]`,
    nonce: '81eab48dec91',
    userId: 'u-1',
    sentAt: 1200,
    verdict: {
      status,
      class: cls,
      message,
      checks: [
        check('first-event-budget', status === 'degraded' ? 'warn' : 'pass', 'timeout'),
        check('events-present', failed ? 'fail' : 'pass', 'missing-event'),
        check('completed-in-time', failed ? 'fail' : 'pass', 'timeout'),
      ],
      events: [],
      runId: 'r-1',
      threadId: 't-1',
      answer: { frames: null, page: null },
      timings: { firstEventMs: 800, completeMs: failed ? null : 1500 },
      warnings: [],
      retries: [],
    },
    steps: [],
    waits: [],
    sockets: [],
    timeline: rows,
  };
}

const TIMEOUT_MESSAGE = 'completed-in-time: expected the final agent_completed within 60000 ms, seen none';
const RUN_DIR = '/var/probe/reports/2026-03-01T12-04-00-000Z';

/** The last 12 of the 15 rows of timeline(15). */
const LAST_12 = [
  '100ms in #0 tool_executing',
  '200ms out #0 tool_completed',
  '300ms in #0 connection_established',
  '400ms in #0 agent_started',
  '500ms in #0 agent_thinking',
  '600ms out #0 tool_executing',
  '700ms in #0 tool_completed',
  '800ms in #0 connection_established',
  '900ms in #0 agent_started',
  '1000ms out #0 agent_thinking',
  '1100ms in #0 tool_executing',
  '1200ms close #1 close 1011 Internal Error',
];

test.describe('buildAlert', () => {
  test('failing: the streak, the deciding check (the failed one of the verdict class), the last 12 timeline rows', () => {
    const recent = runs('PFFFF');
    const alert = buildAlert('failing', recent, result('fail', 'timeout', TIMEOUT_MESSAGE), RUN_DIR);
    expect(alert).toEqual({
      kind: 'failing',
      title: 'golden path FAILING on https://staging.example.com: fail (timeout)',
      journey: 'golden-path',
      status: 'fail',
      class: 'timeout',
      failedCheck: 'completed-in-time',
      message: TIMEOUT_MESSAGE,
      target: TARGET,
      version: '2026.03.1',
      since: '2026-03-01T12:01:00.000Z',
      failures: 4,
      report: `${RUN_DIR}/summary.md`,
      timeline: LAST_12,
      episodeClass: 'timeout',
    });
  });

  test('several sessions: each one\'s outcome and which one the timeline is of, in JSON and in Slack', () => {
    const one = result('fail', 'isolation', 'cross-talk: ...; session 2 received session 1\'s run id r-1');
    const sessions = [1, 2, 3].map((session) => ({
      ...one,
      session,
      frames: `frames-${session}.ndjson`,
      verdict: { ...one.verdict, status: session === 2 ? ('fail' as const) : ('pass' as const), class: session === 2 ? ('isolation' as const) : null },
    }));
    const alert = buildAlert('failing', runs('PFFFF'), { ...one, users: 3, decidingSession: 2, sessions }, RUN_DIR);
    expect(alert.sessions).toEqual([
      { session: 1, userId: 'u-1', status: 'pass', class: null },
      { session: 2, userId: 'u-1', status: 'fail', class: 'isolation' },
      { session: 3, userId: 'u-1', status: 'pass', class: null },
    ]);
    expect(alert.decidingSession).toBe(2);
    expect(JSON.stringify(alertPayload(alert, 'slack'))).toContain('*Sessions*\\n3 at once; not passing: session 2 (fail, isolation)');
    // One session: no sessions field at all.
    expect(buildAlert('failing', runs('PFFFF'), one, RUN_DIR)).not.toHaveProperty('sessions');
  });

  test('reminder: the same streak, still counting', () => {
    const alert = buildAlert('reminder', runs('FFFFFFF'), result('error', 'probe', 'the probe crashed'), RUN_DIR);
    expect(alert).toMatchObject({
      kind: 'reminder',
      title: 'golden path still failing on https://staging.example.com: error (probe)',
      journey: 'golden-path',
      status: 'error',
      class: 'probe',
      // No failed check of class probe: as the judge decides, the failing check of the highest class (timeout).
      failedCheck: 'completed-in-time',
      since: '2026-03-01T12:00:00.000Z',
      failures: 7,
    });
  });

  test('recovered: the streak that just ended, no failed check', () => {
    const alert = buildAlert(
      'recovered',
      runs('PFFFD'),
      result('degraded', null, 'passed, slowly', timeline(2)),
      RUN_DIR,
    );
    expect(alert).toEqual({
      kind: 'recovered',
      title: 'golden path recovered on https://staging.example.com: degraded',
      journey: 'golden-path',
      status: 'degraded',
      class: null,
      failedCheck: null,
      message: 'passed, slowly',
      target: TARGET,
      version: '2026.03.1',
      since: '2026-03-01T12:01:00.000Z',
      failures: 3,
      report: `${RUN_DIR}/summary.md`,
      timeline: ['-200ms out #0 connection_established', '-100ms close #1 close 1011 Internal Error'],
      episodeClass: 'timeout',
    });
  });

  test('no payload text of any frame reaches the alert or either payload', () => {
    const alert = buildAlert('failing', runs('FFF'), result('fail', 'timeout', TIMEOUT_MESSAGE, timeline(40)), RUN_DIR);
    expect(alert.timeline).toHaveLength(12);
    for (const body of [alert, alertPayload(alert, 'json'), alertPayload(alert, 'slack')]) {
      expect(JSON.stringify(body)).not.toContain(PRIVATE);
      expect(JSON.stringify(body)).not.toContain('content');
    }
  });

  test('a long frame type is cut, so a timeline row stays one short line', () => {
    const rows: TimelineRow[] = [{ ms: 5, dir: 'in', socket: 0, type: `x${'y'.repeat(200)}\nz`, payload: '' }];
    const [row] = buildAlert('failing', runs('FFF'), result('fail', 'timeout', 'm', rows), RUN_DIR).timeline;
    expect(row).toBe(`5ms in #0 x${'y'.repeat(59)}…`);
  });
});

test.describe('alertPayload', () => {
  const alert = buildAlert('failing', runs('PFFF'), result('fail', 'timeout', TIMEOUT_MESSAGE, timeline(3)), RUN_DIR);

  test('json: the alert as it is, with its source', () => {
    expect(alertPayload(alert, 'json')).toEqual({
      source: 'golden-path-probe',
      kind: 'failing',
      title: 'golden path FAILING on https://staging.example.com: fail (timeout)',
      journey: 'golden-path',
      status: 'fail',
      class: 'timeout',
      failedCheck: 'completed-in-time',
      message: TIMEOUT_MESSAGE,
      target: TARGET,
      version: '2026.03.1',
      since: '2026-03-01T12:01:00.000Z',
      failures: 3,
      report: `${RUN_DIR}/summary.md`,
      timeline: [
        '-200ms out #0 connection_established',
        '-100ms in #0 agent_started',
        '0ms close #1 close 1011 Internal Error',
      ],
      episodeClass: 'timeout',
    });
  });

  test('slack: an incoming-webhook message, text for notifications and blocks in mrkdwn', () => {
    expect(alertPayload(alert, 'slack')).toEqual({
      text: `golden path FAILING on https://staging.example.com: fail (timeout): ${TIMEOUT_MESSAGE}`,
      blocks: [
        {
          type: 'header',
          text: {
            type: 'plain_text',
            text: 'golden path FAILING on https://staging.example.com: fail (timeout)',
            emoji: false,
          },
        },
        {
          type: 'section',
          text: {
            type: 'mrkdwn',
            text: `*fail* · class \`timeout\` · check \`completed-in-time\`\n${TIMEOUT_MESSAGE}`,
          },
        },
        {
          type: 'section',
          fields: [
            { type: 'mrkdwn', text: '*Target*\nhttps://staging.example.com' },
            { type: 'mrkdwn', text: '*Version*\n2026.03.1' },
            { type: 'mrkdwn', text: '*Since*\n3 failed runs in a row since 2026-03-01T12:01:00.000Z' },
            { type: 'mrkdwn', text: `*Report*\n\`${RUN_DIR}/summary.md\`` },
          ],
        },
        {
          type: 'section',
          text: {
            type: 'mrkdwn',
            text:
              '*Timeline* (ms after the send)\n```-200ms out #0 connection_established\n-100ms in #0 agent_started\n' +
              '0ms close #1 close 1011 Internal Error```',
          },
        },
        { type: 'context', elements: [{ type: 'mrkdwn', text: 'golden-path-probe · failing' }] },
      ],
    });
  });

  test("slack: Slack's control characters escaped, limits kept, no timeline block without a timeline", () => {
    const odd = buildAlert(
      'recovered',
      runs('FFFP'),
      result('pass', null, `<!channel> a & b ${'m'.repeat(4000)}`, []),
      RUN_DIR,
    );
    const slack = alertPayload({ ...odd, title: 't'.repeat(300) }, 'slack') as { text: string; blocks: any[] };
    expect(slack.blocks.map((b) => b.type)).toEqual(['header', 'section', 'section', 'context']);
    expect(slack.blocks[0].text.text).toHaveLength(150);
    expect(slack.blocks[1].text.text).toMatch(/^\*pass\*\n&lt;!channel&gt; a &amp; b m+…$/);
    expect(slack.blocks[1].text.text.length).toBeLessThanOrEqual(3000);
    expect(slack.blocks[2].fields[2].text).toBe('*Since*\nafter 3 failed runs since 2026-03-01T12:00:00.000Z');
  });
});

test.describe('incidents: PagerDuty and Alertmanager bodies', () => {
  const traced = { ...result('fail', 'timeout', TIMEOUT_MESSAGE, timeline(3)), location: 'eu-west', traceId: 'ab'.repeat(16), traceUrl: `https://tempo.example/t/${'ab'.repeat(16)}` };
  const now = new Date('2026-03-01T12:10:00.000Z');
  const o = { scope: 'eu-west', routingKey: 'rk', remindEveryMs: 3_600_000, now };
  const key = `golden-path-probe/${TARGET}/eu-west`;

  test('failing and reminder are triggers of one incident (one dedup_key); recovered resolves it', () => {
    const failing = alertPayload(buildAlert('failing', runs('PFFF'), traced, RUN_DIR), 'pagerduty', o);
    const reminder = alertPayload(buildAlert('reminder', runs('PFFFFFF'), traced, RUN_DIR), 'pagerduty', o);
    const recovered = alertPayload(buildAlert('recovered', runs('PFFFP'), result('pass', null, 'ok'), RUN_DIR), 'pagerduty', o);
    expect([failing, reminder].map((e) => [(e as { event_action: string }).event_action, (e as { dedup_key: string }).dedup_key])).toEqual([
      ['trigger', key],
      ['trigger', key],
    ]);
    expect(recovered).toEqual({ routing_key: 'rk', dedup_key: key, event_action: 'resolve' });
    expect(failing).toMatchObject({ links: [{ href: traced.traceUrl }], payload: { timestamp: now.toISOString(), custom_details: { trace_id: traced.traceId } } });
    // A probe without PROBE_LOCATION: one incident for its whole history.
    expect(alertPayload(buildAlert('failing', runs('FFF'), traced, RUN_DIR), 'pagerduty', { ...o, scope: '' })).toMatchObject({ dedup_key: `golden-path-probe/${TARGET}/all` });
  });

  test('Alertmanager: firing until twice the reminder interval ahead (a reminder renews it), resolved at now; labels of the episode', () => {
    const [firing] = alertPayload(buildAlert('failing', runs('PFFF'), traced, RUN_DIR), 'alertmanager', o) as Array<Record<string, unknown>>;
    const [renewed] = alertPayload(buildAlert('reminder', runs('PFFFFFF'), traced, RUN_DIR), 'alertmanager', { ...o, now: new Date(now.getTime() + 3_600_000) }) as Array<Record<string, unknown>>;
    const [resolved] = alertPayload(buildAlert('recovered', runs('PFFFP'), result('pass', null, 'ok'), RUN_DIR), 'alertmanager', o) as Array<Record<string, unknown>>;
    const labels = { alertname: 'GoldenPathFailing', location: 'eu-west', journey: 'golden-path', class: 'timeout', target: TARGET, severity: 'critical' };
    expect(firing).toMatchObject({ labels, startsAt: '2026-03-01T12:01:00.000Z', endsAt: '2026-03-01T14:10:00.000Z', generatorURL: traced.traceUrl });
    expect(renewed).toMatchObject({ labels, startsAt: '2026-03-01T12:01:00.000Z', endsAt: '2026-03-01T15:10:00.000Z' });
    expect(resolved).toMatchObject({ labels, endsAt: now.toISOString() });
    expect(alertmanagerUrl('http://am:9093/')).toBe('http://am:9093/api/v2/alerts');
    expect(alertmanagerUrl('http://am:9093/api/v2/alerts')).toBe('http://am:9093/api/v2/alerts');
  });

  test('Slack and JSON carry the trace: its link when PROBE_TRACE_URL made one', () => {
    const alert = buildAlert('failing', runs('PFFF'), traced, RUN_DIR);
    expect(alertPayload(alert, 'json')).toMatchObject({ traceId: traced.traceId, traceUrl: traced.traceUrl });
    expect(JSON.stringify(alertPayload(alert, 'slack'))).toContain(`*Trace*\\n<${traced.traceUrl}|${traced.traceId}>`);
  });
});
