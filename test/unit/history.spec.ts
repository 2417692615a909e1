// Durations as typed on the command line, and the statistics `golden-path-probe history` prints: pure, no db.
import { expect, test } from '@playwright/test';
import { formatDuration, parseDuration } from '../../src/config/duration';
import { historyStats, nearestRank, renderHistory, type HistoryRecord } from '../../src/ops/history';

test.describe('parseDuration', () => {
  test('reads each unit and their combinations, largest first', () => {
    const cases: Array<[string, number]> = [
      ['500ms', 500],
      ['30s', 30_000],
      ['5m', 300_000],
      ['24h', 86_400_000],
      ['7d', 604_800_000],
      ['1h30m', 5_400_000],
      ['1d2h3m4s5ms', 93_784_005],
      ['1.5h', 5_400_000],
      ['0s', 0],
      [' 10m ', 600_000],
    ];
    expect(cases.map(([text]) => [text, parseDuration(text)])).toEqual(cases);
  });

  test('rejects what it cannot read, naming the text and the accepted forms', () => {
    const forms = 'use a number and a unit (ms, s, m, h, d), units largest first: 30s, 5m, 24h, 7d, 1h30m, 500ms';
    expect(() => parseDuration('')).toThrow(`invalid duration "": empty; ${forms}`);
    expect(() => parseDuration('30')).toThrow(`invalid duration "30": a unit is missing; ${forms}`);
    expect(() => parseDuration('5 minutes')).toThrow(`invalid duration "5 minutes": unexpected "5 minutes"; ${forms}`);
    expect(() => parseDuration('1h30')).toThrow(`invalid duration "1h30": unexpected "30"; ${forms}`);
    expect(() => parseDuration('30m1h')).toThrow(`invalid duration "30m1h": "h" is repeated or out of order; ${forms}`);
    expect(() => parseDuration('5m5m')).toThrow(`"m" is repeated or out of order`);
    expect(() => parseDuration('-5m')).toThrow(`invalid duration "-5m"`);
    expect(() => parseDuration('5M')).toThrow(`invalid duration "5M"`);
  });
});

test('formatDuration writes the short form parseDuration reads back', () => {
  const cases: Array<[number, string]> = [
    [0, '0ms'],
    [500, '500ms'],
    [30_000, '30s'],
    [300_000, '5m'],
    [5_400_000, '1h30m'],
    [86_400_000, '1d'],
    [604_800_000, '7d'],
    [93_784_005, '1d2h3m4s5ms'],
    [1_234.4, '1s234ms'],
    [-90_000, '-1m30s'],
  ];
  expect(cases.map(([ms]) => [ms, formatDuration(ms)])).toEqual(cases);
  for (const ms of [1, 999, 1000, 61_001, 3_600_000, 90_061_001, 123_456_789]) {
    expect(parseDuration(formatDuration(ms))).toBe(ms);
  }
});

let nextId = 1;
function rec(over: Partial<HistoryRecord> & { startedAt: string }): HistoryRecord {
  return {
    id: nextId++,
    finishedAt: over.startedAt,
    status: 'pass',
    class: null,
    message: 'all 16 checks passed',
    durationMs: 5000,
    firstEventMs: 100,
    completeMs: 2000,
    answerVisibleMs: 2100,
    events: {},
    target: 'http://127.0.0.1:3000',
    version: null,
    runDir: 'reports/x',
    failedCheck: null,
    users: 1,
    traceId: null,
    location: '',
    journey: 'golden-path',
    turns: null,
    ...over,
  };
}

function events(
  started: number | null,
  thinking: number | null,
  executing: number | null,
  completed: number | null,
  done: number | null,
) {
  return {
    agent_started: started,
    agent_thinking: thinking,
    tool_executing: executing,
    tool_completed: completed,
    agent_completed: done,
  };
}

test('nearestRank takes the value at rank ceil(p/100 * n)', () => {
  const ten = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  expect([
    nearestRank(ten, 50),
    nearestRank(ten, 95),
    nearestRank(ten, 90),
    nearestRank(ten, 0),
    nearestRank(ten, 100),
  ]).toEqual([5, 10, 9, 1, 10]);
  expect([nearestRank([7], 50), nearestRank([7], 95), nearestRank([], 50)]).toEqual([7, 7, null]);
  expect(nearestRank([10, 20, 30, 40], 50)).toBe(20);
});

test('historyStats: counts, success rate, failures by class, percentiles per event in contract order', () => {
  const records = [
    rec({
      startedAt: '2025-01-01T00:00:00.000Z',
      finishedAt: '2025-01-01T00:00:05.000Z',
      events: { ...events(100, 200, 300, 400, 1000), agent_response: 900 },
    }),
    rec({ startedAt: '2025-01-01T00:05:00.000Z', status: 'degraded', events: events(300, 400, 500, 600, 7000) }),
    rec({
      startedAt: '2025-01-01T00:10:00.000Z',
      status: 'fail',
      class: 'timeout',
      events: events(200, 300, 400, null, null),
    }),
    rec({
      startedAt: '2025-01-01T00:15:00.000Z',
      status: 'fail',
      class: 'missing-event',
      events: events(400, 500, null, null, 3000),
    }),
    rec({
      startedAt: '2025-01-01T00:20:00.000Z',
      status: 'fail',
      class: 'timeout',
      events: events(null, null, null, null, null),
    }),
    rec({
      startedAt: '2025-01-01T00:25:00.000Z',
      finishedAt: '2025-01-01T00:25:09.500Z',
      status: 'error',
      class: 'config',
      events: { ...events(null, null, null, null, null), final_report: null },
    }),
  ];
  expect(historyStats(records)).toEqual({
    runs: 6,
    successRate: 2 / 6,
    byStatus: { pass: 1, degraded: 1, fail: 3, error: 1 },
    failuresByClass: { timeout: 2, config: 1, 'missing-event': 1 },
    events: [
      { type: 'agent_started', n: 4, p50: 200, p95: 400 },
      { type: 'agent_thinking', n: 4, p50: 300, p95: 500 },
      { type: 'tool_executing', n: 3, p50: 400, p95: 500 },
      { type: 'tool_completed', n: 2, p50: 400, p95: 600 },
      { type: 'agent_completed', n: 3, p50: 3000, p95: 7000 },
      { type: 'agent_response', n: 1, p50: 900, p95: 900 },
      { type: 'final_report', n: 0, p50: null, p95: null },
      // The run's own end and answer, from their columns (each record's default: 2000 and 2100 ms).
      { type: 'final agent_completed', n: 6, p50: 2000, p95: 2000 },
      { type: 'answer visible', n: 6, p50: 2100, p95: 2100 },
    ],
    from: '2025-01-01T00:00:00.000Z',
    to: '2025-01-01T00:25:09.500Z',
    byUsers: { '1': records.length },
  });
  // The order of the input does not matter.
  expect(historyStats([...records].reverse())).toEqual(historyStats(records));
});

test('historyStats of no runs: 0 runs, no success rate, the five events and the two milestones with no numbers', () => {
  expect(historyStats([])).toEqual({
    runs: 0,
    successRate: null,
    byStatus: { pass: 0, degraded: 0, fail: 0, error: 0 },
    failuresByClass: {},
    events: ['agent_started', 'agent_thinking', 'tool_executing', 'tool_completed', 'agent_completed', 'final agent_completed', 'answer visible'].map((type) => ({
      type,
      n: 0,
      p50: null,
      p95: null,
    })),
    from: null,
    to: null,
    byUsers: {},
  });
});

test('renderHistory prints the runs, the success rate, failures by class and the event table', () => {
  const stats = historyStats([
    // The first agent_completed is a sub-agent's: the run's own end and its answer come later.
    rec({ startedAt: '2025-01-01T00:00:00.000Z', events: events(120, 250, 400, 800, 1900), completeMs: 2100, answerVisibleMs: 2200 }),
    rec({ startedAt: '2025-01-01T00:05:00.000Z', status: 'degraded', events: events(4500, 4600, 4700, 4800, 6400), completeMs: 6500, answerVisibleMs: 8100 }),
    rec({
      startedAt: '2025-01-01T00:10:00.000Z',
      finishedAt: '2025-01-01T00:10:08.000Z',
      status: 'fail',
      class: 'timeout',
      events: events(90, 200, null, null, null),
      completeMs: null,
      answerVisibleMs: null,
    }),
  ]);
  expect(renderHistory(stats, 'since 24h')).toBe(
    [
      'golden-path-probe history, since 24h',
      'window: 2025-01-01T00:00:00.000Z .. 2025-01-01T00:10:08.000Z',
      'runs: 3, success rate: 66.7% (pass 1, degraded 1, fail 1, error 0)',
      'failures by class: timeout 1',
      '',
      'event                    n      p50      p95',
      'agent_started (first)    3   120 ms  4500 ms',
      'agent_thinking (first)   3   250 ms  4600 ms',
      'tool_executing (first)   2   400 ms  4700 ms',
      'tool_completed (first)   2   800 ms  4800 ms',
      'agent_completed (first)  2  1900 ms  6400 ms',
      'final agent_completed    2  2100 ms  6500 ms',
      'answer visible           2  2200 ms  8100 ms',
      '',
    ].join('\n'),
  );
  expect(renderHistory(historyStats([]), 'since 1h')).toBe(
    'golden-path-probe history, since 1h\nno runs recorded in this window\n',
  );
  const allGood = renderHistory(historyStats([rec({ startedAt: '2025-01-01T00:00:00.000Z' })]), 'last 1 runs');
  expect(allGood).toContain('runs: 1, success rate: 100.0% (pass 1, degraded 0, fail 0, error 0)');
  expect(allGood).toContain('failures by class: none');
  expect(allGood).toContain('agent_started (first)    0        -        -');
});
