// A conversation, not only a run: the checks across turns (follow-ups in one thread, a run each, the reload),
// the combined verdict naming the turn and its check, the rule that a run seen before a send is never that
// send's, and the settings and names of turns and journeys.

import { expect, test } from '@playwright/test';
import { followUpCheck, persistedCheck, turnRunsCheck, type TurnTrace } from '../../src/contract/checks/conversation';
import { combine } from '../../src/contract/combine';
import { judge } from '../../src/contract/judge';
import type { AgentEvent } from '../../src/contract/types';
import { journeyName } from '../../src/config/journey';
import { loadConfig, MAX_TURNS } from '../../src/config/load';
import { listJourneys } from '../../src/cli/journeys';
import { journeyMetricsFile, journeyScope } from '../../src/ops/after-run';
import { historyStats, type HistoryRecord } from '../../src/ops/history';
import { ANSWER, buildEvidence, drop, healthyRun, pageShowing, type EventSpec } from './evidence-builders';

const event = (type: string, runId: string, frame: number): AgentEvent =>
  ({ type, runId, threadId: 't-1', t: 2000 + frame, frame, socket: 0, shape: 'bridge', digest: `${type}-${frame}`, raw: {} }) as unknown as AgentEvent;

function turn(n: number, over: Partial<TurnTrace> = {}): TurnTrace {
  return { turn: n, message: `question ${n} [probe n${n}]`, nonce: `n${n}`, runId: `run-${n}`, threadId: 'thread-a', answer: `Answer number ${n} about costs`, events: [event('agent_started', `run-${n}`, n * 10)], ...over };
}

test('follow-up: every turn in turn 1 thread, and the earlier answers still shown after the last', () => {
  const page = 'question 1 Answer number 1 about costs question 2 Answer number 2 about costs';
  expect(followUpCheck([turn(1), turn(2)], page).check.status).toBe('pass');
  const moved = followUpCheck([turn(1), turn(2, { threadId: 'thread-b' })], page);
  expect([moved.check.status, moved.check.class, moved.part]).toEqual(['fail', 'persistence', 2]);
  expect(moved.check.seen).toBe("turn 2 ran in thread thread-b, not the conversation's thread-a (turn 1)");
  const gone = followUpCheck([turn(1), turn(2)], 'question 2 Answer number 2 about costs');
  expect(gone.check.seen).toBe('after turn 2, the page no longer shows the answer of turn 1');
});

test("turn-runs: a run shared between turns, or a turn receiving another turn's events, fails naming both turns", () => {
  expect(turnRunsCheck([turn(1), turn(2)]).check.status).toBe('pass');
  const shared = turnRunsCheck([turn(1), turn(2, { runId: 'run-1' })]);
  expect([shared.check.status, shared.check.class, shared.part]).toEqual(['fail', 'isolation', 2]);
  expect(shared.check.seen).toBe("turn 2's run is turn 1's (run run-1)");
  const replayed = turnRunsCheck([turn(1), turn(2, { events: [event('agent_started', 'run-1', 30), event('agent_completed', 'run-1', 31), event('agent_started', 'run-2', 32)] })]);
  expect(replayed.check.seen).toBe("turn 2 received turn 1's events (run run-1, agent_started, agent_completed)");
  expect(replayed.check.evidence).toBe('turn 2: frames 30, 31');
});

test('persisted: back by the URL or the list, every message and answer shown; the stored history tells saved from not saved', () => {
  const both = 'question 1 [probe n1] Answer number 1 about costs';
  expect(persistedCheck([turn(1)], { returnedBy: 'url', page: both }).check.seen).toBe("back by the page's URL: 1 message(s) and answer(s) shown");
  expect(persistedCheck([turn(1)], { returnedBy: 'list', page: both }).check.status).toBe('pass');
  const lost = persistedCheck([turn(1)], { returnedBy: 'url', page: 'question 1 [probe n1]', stored: { texts: ['question 1'] } });
  expect([lost.check.status, lost.check.class]).toEqual(['fail', 'persistence']);
  expect(lost.check.seen).toBe("back by the page's URL, the page does not show turn 1's answer; the backend's history lacks the answer of turn 1 (not saved)");
  const shownNot = persistedCheck([turn(1)], { returnedBy: null, page: 'nothing', stored: { texts: ['question 1', 'Answer number 1 about costs'] } });
  expect(shownNot.check.seen).toBe("neither the page's URL nor the conversation list led back to it; the backend stores every answer (saved)");
  const unread = persistedCheck([turn(1)], { returnedBy: 'url', page: both, stored: { error: 'GET /x answered 500' } });
  expect(unread.check.seen).toContain('the stored history could not be read (GET /x answered 500)');
});

test('the combined verdict of turns names the turn and its own deciding check; a turn the probe could not judge makes it error', () => {
  const healthy = judge(buildEvidence(healthyRun(), 'bridge', { page: pageShowing(ANSWER) }));
  const missing = judge(buildEvidence(drop(healthyRun(), 'tool_executing'), 'bridge', { page: pageShowing(ANSWER) }));
  const pass = combine([healthy, healthy], [], 'turn');
  expect([pass.verdict.status, pass.verdict.message, pass.deciding]).toEqual(['pass', 'all 2 turns passed; in one thread, each its own run', null]);
  const failed = combine([healthy, missing], [], 'turn');
  expect([failed.verdict.status, failed.verdict.class, failed.deciding]).toEqual(['fail', 'missing-event', 2]);
  expect(failed.verdict.message).toMatch(/^turn-2: expected events-present: .*missing tool_executing$/);
  const unjudged = { ...missing, status: 'error' as const, class: 'probe' as const };
  expect(combine([healthy, unjudged], [], 'turn').verdict.status).toBe('error');
});

test("a run that had events before the send is an earlier one (a replayed turn): never this send's run", () => {
  // The first turn's run, then after the second send: the first run replayed, then the second's own.
  const first: EventSpec[] = healthyRun().map((e, i) => ({ ...e, run: 'r-old', at: -900 + i * 10 }));
  const replayed: EventSpec[] = healthyRun().map((e, i) => ({ ...e, run: 'r-old', at: 10 + i * 10 }));
  const own: EventSpec[] = healthyRun().map((e, i) => ({ ...e, at: 200 + i * 100 }));
  const v = judge(buildEvidence([...first, ...replayed, ...own], 'bridge', { page: pageShowing(ANSWER) }));
  expect(v.runId).toBe('r-1');
  expect(v.timings.firstEventMs).toBe(200);
});

test('turns and messages: PROBE_MESSAGES alone sets the turns; with PROBE_TURNS, one message a turn; at most MAX_TURNS', () => {
  const ok = (env: Record<string, string>) => {
    const loaded = loadConfig(env);
    if (!loaded.ok) throw new Error(loaded.problems.join('; '));
    return loaded.config.messages;
  };
  expect(ok({})).toHaveLength(1);
  expect(ok({ PROBE_TURNS: '3' })).toEqual([expect.any(String), expect.stringMatching(/^Follow-up 1: /), expect.stringMatching(/^Follow-up 2: /)]);
  expect(ok({ PROBE_MESSAGES: '["a?", "b?", "c?"]' })).toEqual(['a?', 'b?', 'c?']);
  expect(ok({ PROBE_MESSAGES: '["a?", "b?", "c?"]', PROBE_TURNS: '2' })).toEqual(['a?', 'b?']);
  const short = loadConfig({ PROBE_MESSAGES: '["a?"]', PROBE_TURNS: '2' });
  expect(short.ok ? [] : short.problems).toContain('PROBE_MESSAGES lists 1 message(s), and PROBE_TURNS is 2: one message a turn');
  const many = loadConfig({ PROBE_MESSAGES: JSON.stringify(Array.from({ length: MAX_TURNS + 1 }, (_, i) => `q${i}`)) });
  expect(many.ok ? [] : many.problems).toContain(`PROBE_MESSAGES lists ${MAX_TURNS + 1} messages: a conversation has at most ${MAX_TURNS} turns`);
});

test("a journey's name is its titles in lowercase words; its alert scope and metrics file are its own", () => {
  expect(journeyName(['golden path'])).toBe('golden-path');
  expect(journeyName(['Checkout', 'ask, follow up & come back!'])).toBe('checkout-ask-follow-up-come-back');
  expect(journeyName(['Vérifier la réponse'])).toBe('vérifier-la-réponse');
  expect(journeyName(['???'])).toBe('journey');
  expect([journeyScope('', 'golden-path'), journeyScope('eu-west', 'golden-path'), journeyScope('', 'checkout'), journeyScope('fleet', 'checkout')]).toEqual([
    '',
    'eu-west',
    'journey checkout',
    'fleet journey checkout',
  ]);
  expect(journeyMetricsFile('/var/lib/node_exporter/golden-path.prom', 'checkout')).toBe('/var/lib/node_exporter/golden-path-checkout.prom');
  expect(journeyMetricsFile('metrics.txt', 'checkout')).toBe('metrics.txt-checkout');
});

test("listing journeys from Playwright's --list report: names, files and titles; clashes, load errors and no journey said", async () => {
  const report = (suites: unknown, errors: unknown[] = []) => async () => ({ stdout: `noise before\n${JSON.stringify({ config: { rootDir: '/j' }, suites, errors })}`, ended: 'code 0' });
  const suites = [
    { title: 'a.spec.ts', file: 'a.spec.ts', specs: [{ title: 'ask once', file: 'a.spec.ts' }], suites: [{ title: 'Checkout', specs: [{ title: 'pay', file: 'a.spec.ts' }] }] },
    { title: 'sub/b.spec.ts', file: 'sub/b.spec.ts', specs: [{ title: 'Reload it', file: 'sub/b.spec.ts' }] },
  ];
  expect(await listJourneys('/j', report(suites))).toEqual({
    journeys: [
      { name: 'ask-once', file: 'a.spec.ts', titles: ['ask once'] },
      { name: 'checkout-pay', file: 'a.spec.ts', titles: ['Checkout', 'pay'] },
      { name: 'reload-it', file: 'sub/b.spec.ts', titles: ['Reload it'] },
    ],
  });
  const clash = await listJourneys('/j', report([{ title: 'a', specs: [{ title: 'Ask once', file: 'a.spec.ts' }, { title: 'ask: once', file: 'a.spec.ts' }] }]));
  expect('problem' in clash && clash.problem).toContain('two journeys would have one name, and their history would mix: ask-once (a.spec.ts › Ask once, a.spec.ts › ask: once)');
  const broken = await listJourneys('/j', report([], [{ message: "SyntaxError: a.spec.ts: Unexpected token (3:0)\n  1 | ..." }]));
  expect('problem' in broken && broken.problem).toBe('the journeys in /j do not load: SyntaxError: a.spec.ts: Unexpected token (3:0)');
  const none = await listJourneys('/j', report([], [{ message: 'Error: No tests found' }]));
  expect('problem' in none && none.problem).toMatch(/^no journey in \/j: /);
  const crashed = await listJourneys('/j', async () => ({ stdout: 'Error: Cannot find module', ended: 'code 1' }));
  expect('problem' in crashed && crashed.problem).toBe('the journeys in /j could not be listed (Playwright ended with code 1); its output above says why');
});

test("the history's figures per turn: each turn's final and answer, beside the run's", () => {
  const rec = (turns: HistoryRecord['turns']): HistoryRecord => ({
    id: 1,
    startedAt: '2026-12-01T10:00:00.000Z',
    finishedAt: '2026-12-01T10:00:05.000Z',
    status: 'pass',
    class: null,
    message: 'ok',
    durationMs: 5000,
    firstEventMs: 100,
    completeMs: 1500,
    answerVisibleMs: 1600,
    events: {},
    target: 'x',
    version: null,
    runDir: 'r',
    failedCheck: null,
    users: 1,
    location: '',
    traceId: null,
    journey: 'golden-path',
    turns,
  });
  const stats = historyStats([
    rec([
      { turn: 1, status: 'pass', firstEventMs: 100, completeMs: 1000, answerVisibleMs: 1100 },
      { turn: 2, status: 'pass', firstEventMs: 100, completeMs: 1500, answerVisibleMs: null },
    ]),
    rec(null),
  ]);
  const row = (type: string) => stats.events.find((e) => e.type === type);
  expect(row('turn 1: final agent_completed')).toEqual({ type: 'turn 1: final agent_completed', n: 1, p50: 1000, p95: 1000 });
  expect(row('turn 2: answer visible')).toEqual({ type: 'turn 2: answer visible', n: 0, p50: null, p95: null });
  expect(historyStats([rec(null)]).events.some((e) => e.type.startsWith('turn '))).toBe(false);
});
