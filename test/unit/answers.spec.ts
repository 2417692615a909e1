// The answer as a person gets it, judged from evidence: which of the run's answers counts (its final one, not
// an interim reply; one after the completion; streamed chunks; a completion's object result; a status line
// only when there is nothing else), what the page must show of it, and what the probe says when it lost sight
// of the run. Pure: the judge on hand-made evidence.

import { expect, test } from '@playwright/test';
import { judge, runAnswers } from '../../src/contract/judge';
import type { Check, Evidence, Verdict } from '../../src/contract/types';
import { ANSWER, buildEvidence, drop, healthyRun, inFrame, pageShowing, patch, SENT_AT, USER, type EventSpec } from './evidence-builders';

const checkNamed = (verdict: Verdict, name: string): Check => verdict.checks.find((c) => c.name === name)!;
const headline = (v: Verdict) => ({ status: v.status, class: v.class });

/** The healthy run with its answer moved after a completion that carries no answer text (as the platform sends it). */
function answerAfterCompletion(answer: EventSpec = { type: 'final_report', data: { executive_summary: ANSWER } }): EventSpec[] {
  const run = patch(drop(healthyRun(), 'agent_response'), 'agent_completed', {
    data: { status: 'completed', result: { success: true, step_count: 3 }, message: 'supervisor has completed processing your request' },
  });
  return [...run, { ...answer, at: 2100 }];
}

test.describe('the final answer counts, not an interim reply', () => {
  test('an answer after a textless completion is the run answer; the page showing it passes', () => {
    const verdict = judge(buildEvidence(answerAfterCompletion()));
    expect(headline(verdict)).toEqual({ status: 'pass', class: null });
    expect(verdict.answer).toMatchObject({ frames: ANSWER, matched: 'final_report' });
  });

  test('an interim reply shown, the real answer after the completion not shown: ui-render, naming the interim one', () => {
    const interim = { type: 'agent_response', at: 150, data: { content: 'Working on it: looking up your usage...' } };
    const run = [...answerAfterCompletion({ type: 'agent_response', data: { content: ANSWER } })];
    run.splice(1, 0, interim);
    const verdict = judge(buildEvidence(run, 'bridge', { page: pageShowing('Working on it: looking up your usage...') }));
    expect(headline(verdict)).toEqual({ status: 'fail', class: 'ui-render' });
    expect(checkNamed(verdict, 'answer-agrees').seen).toContain('the page shows agent_response (frame 3), an earlier answer of the run, not its final one');
  });

  test('with nothing after the completion, each kind keeps its last answer: an earlier one of the same kind does not count', () => {
    const run = insert2(healthyRun(), { type: 'agent_response', at: 150, data: { content: 'Working on it...' } });
    expect(headline(judge(buildEvidence(run, 'bridge', { page: pageShowing('Working on it...') })))).toEqual({ status: 'fail', class: 'ui-render' });
    expect(headline(judge(buildEvidence(run)))).toEqual({ status: 'pass', class: null });
  });

  test("a completion's status line is the answer only when the run has no other", () => {
    const status = 'supervisor has completed processing your request';
    // The page shows the status line, the answer that followed is not shown: not a pass.
    const shownStatus = judge(buildEvidence(answerAfterCompletion(), 'bridge', { page: pageShowing(status) }));
    expect(headline(shownStatus)).toEqual({ status: 'fail', class: 'ui-render' });
    // A run with nothing but the status line: that is its answer.
    const onlyStatus = drop(answerAfterCompletion(), 'final_report');
    expect(runAnswers(buildEvidence(onlyStatus)).final.map((c) => c.source)).toEqual(["the final agent_completed's status message"]);
    expect(headline(judge(buildEvidence(onlyStatus, 'bridge', { page: pageShowing(status) })))).toEqual({ status: 'pass', class: null });
  });

  test("an object result's text field, and final_response, are the completion's answer", () => {
    const summary = patch(drop(healthyRun(), 'agent_response'), 'agent_completed', { data: { status: 'completed', result: { summary: ANSWER, rows: 3 } } });
    expect(headline(judge(buildEvidence(summary)))).toEqual({ status: 'pass', class: null });
    const finalResponse = patch(drop(healthyRun(), 'agent_response'), 'agent_completed', { data: { status: 'completed', final_response: ANSWER } });
    expect(judge(buildEvidence(finalResponse)).answer).toMatchObject({ frames: ANSWER, matched: 'the final agent_completed' });
  });

  test('settled: an answer after the completion, or the completion carrying its text; else a later answer may still come', () => {
    const settled = (events: EventSpec[]) => runAnswers(buildEvidence(events)).settled;
    expect(settled(answerAfterCompletion())).toBe(true);
    expect(settled(healthyRun())).toBe(true);
    expect(settled(drop(answerAfterCompletion(), 'final_report'))).toBe(false);
  });
});

test.describe('streamed answers', () => {
  const pieces = ['Your biggest cost driver ', 'is GPU inference: ', '62% of last month.'];
  const chunks = (complete = false): EventSpec[] => [
    ...drop(answerAfterCompletion(), 'final_report'),
    ...pieces.map((content, i): EventSpec => ({ type: i % 2 ? 'partial_result' : 'stream_chunk', at: 2100 + i * 50, data: { content, is_complete: false } })),
    ...(complete ? [{ type: 'partial_result', at: 2300, data: { content: ANSWER, is_complete: true } }] : []),
  ];

  test('the chunks joined in order are the answer; the page may show them over several elements', () => {
    const verdict = judge(buildEvidence(chunks(), 'bridge', { page: pageShowing(pieces.join(' ')) }));
    expect(headline(verdict)).toEqual({ status: 'pass', class: null });
    expect(verdict.answer.matched).toBe('stream_chunk and partial_result chunks (3)');
  });

  test('a chunk marked complete is an answer on its own', () => {
    expect(runAnswers(buildEvidence(chunks(true))).final.map((c) => c.source)).toContain('partial_result (complete)');
  });

  test('a page that shows the first chunks only: ui-render, saying how much is missing', () => {
    const verdict = judge(buildEvidence(chunks(), 'bridge', { page: pageShowing(pieces[0]! + pieces[1]!) }));
    expect(headline(verdict)).toEqual({ status: 'fail', class: 'ui-render' });
    const total = ANSWER.replace(/\s+/g, '').length;
    const shown = (pieces[0]! + pieces[1]!).replace(/\s+/g, '').length;
    expect(checkNamed(verdict, 'answer-agrees').seen).toContain(`the page shows only the first ${shown} of ${total} characters of stream_chunk and partial_result chunks (3) (${total - shown} missing`);
  });
});

test('the time to answer: from the send until the probe first saw the answer visible and new', () => {
  const evidence = buildEvidence();
  const verdict = judge({ ...evidence, page: { ...evidence.page!, firstSeen: { 'agent_response@6': SENT_AT + 777 } } });
  expect(verdict.timings.answerVisibleMs).toBe(777);
});

test.describe('lost sight of the run', () => {
  const cut: EventSpec[] = healthyRun().slice(0, 2);
  const lost = (cls: 'probe' | 'ui-render', message: string): Partial<Evidence> => ({ lost: { at: SENT_AT + 250, class: cls, message }, page: pageShowing(null) });

  test("the probe's browser died: error (probe), and what was not seen is put down to it, never to the staging", () => {
    const verdict = judge(buildEvidence(cut, 'bridge', lost('probe', "the probe's own browser went away 250 ms after the send")));
    expect(headline(verdict)).toEqual({ status: 'error', class: 'probe' });
    expect(verdict.message).toContain("the probe's browser: the probe's own browser went away 250 ms after the send");
    for (const name of ['events-present', 'completed-in-time', 'final-answer', 'answer-agrees', 'complete-budget']) {
      expect(checkNamed(verdict, name)).toMatchObject({ status: 'fail', class: 'probe', seen: expect.stringContaining('the probe saw nothing of the run after +250ms') });
    }
  });

  test('the page crashed: ui-render, "the page crashed"', () => {
    const verdict = judge(buildEvidence(cut, 'bridge', lost('ui-render', 'the page crashed 250 ms after the send')));
    expect(headline(verdict)).toEqual({ status: 'fail', class: 'ui-render' });
    expect(verdict.message).toContain('the page: the page crashed');
  });

  test('what was seen before still decides: an isolation leak before the crash stays isolation', () => {
    const leak = [...cut, { type: 'agent_thinking', user: 'u-other', run: 'r-other', thread: 't-other' }];
    expect(headline(judge(buildEvidence(leak, 'bridge', lost('ui-render', 'the page crashed'))))).toEqual({ status: 'fail', class: 'isolation' });
  });

  test('a run that had all it needed still says the probe lost sight of it (error), never pass', () => {
    expect(headline(judge(buildEvidence(healthyRun(), 'bridge', { lost: { at: SENT_AT + 900, class: 'probe', message: 'browser gone' } })))).toEqual({
      status: 'error',
      class: 'probe',
    });
  });
});

test.describe("the platform's user, not the token's claim", () => {
  const PLATFORM_USER = 'user-8f2a9c1d77e4';
  const ours = healthyRun().map((e) => ({ ...e, user: PLATFORM_USER }));
  const announced = (id: string) => inFrame({ type: 'connection_established', user_id: id }, SENT_AT - 300);
  const withHint = (events: EventSpec[], greeting: string | null): Evidence => {
    const evidence = buildEvidence(events, 'bridge', { userId: 'idp|4d2c9', userIdIsHint: true });
    return { ...evidence, frames: [...(greeting === null ? [] : [announced(greeting)]), ...evidence.frames.filter((f) => !f.payload.includes('connection_established'))] };
  };

  test("an identity provider's sub: the user the platform names (cut short, as it sends it) and the probe's thread carry", () => {
    const verdict = judge(withHint(ours, `${PLATFORM_USER.slice(0, 8)}...`));
    expect(headline(verdict)).toEqual({ status: 'pass', class: null });
    expect(verdict.userId).toBe(PLATFORM_USER);
    expect(verdict.warnings.join('\n')).toContain(`the login's token names user idp|4d2c9, but the platform's connection frame and the probe's own thread name ${PLATFORM_USER}`);
  });

  test("with no connection frame: the one user of the probe's own thread, with a warning", () => {
    const verdict = judge(withHint(ours, null));
    expect(headline(verdict)).toEqual({ status: 'pass', class: null });
    expect(verdict.warnings.join('\n')).toContain('a hint only');
  });

  test("events of the probe's thread carrying another user than the platform named: isolation", () => {
    const wrong = healthyRun().map((e) => ({ ...e, user: 'user-someone-else' }));
    expect(headline(judge(withHint(wrong, PLATFORM_USER)))).toEqual({ status: 'fail', class: 'isolation' });
  });

  test('a user the login answered with is the platform\'s: never replaced', () => {
    const wrong = healthyRun().map((e) => ({ ...e, user: 'user-someone-else' }));
    expect(headline(judge(buildEvidence(wrong, 'bridge', { userId: USER })))).toEqual({ status: 'fail', class: 'isolation' });
  });
});

test.describe("the page's other business is not the run's", () => {
  test("a presence frame naming a colleague is no isolation failure", () => {
    const evidence = buildEvidence();
    const presence = inFrame({ type: 'presence_update', user_id: 'user-colleague', data: { status: 'typing' } }, SENT_AT + 250, 1);
    const verdict = judge({ ...evidence, frames: [...evidence.frames, presence], sockets: [...evidence.sockets, { socket: 1, url: 'wss://x/ws/presence', openedAt: 0 }] });
    expect(headline(verdict)).toEqual({ status: 'pass', class: null });
  });

  test('an error frame without ids on a socket that never carried the run is not the run\'s error', () => {
    const evidence = buildEvidence();
    const sideError = inFrame({ type: 'error', message: 'subscription closed' }, SENT_AT + 250, 1);
    const sockets = [...evidence.sockets, { socket: 1, url: 'wss://x/graphql', openedAt: 0 }];
    expect(headline(judge({ ...evidence, frames: [...evidence.frames, sideError], sockets }))).toEqual({ status: 'pass', class: null });
    // The same frame on the chat's own socket is the run's.
    const onChat = { ...sideError, socket: 0 };
    expect(headline(judge({ ...evidence, frames: [...evidence.frames, onChat], sockets }))).toEqual({ status: 'fail', class: 'error-event' });
  });
});

/** `spec` as the run's second event. */
function insert2(events: EventSpec[], spec: EventSpec): EventSpec[] {
  return [events[0]!, spec, ...events.slice(1)];
}
