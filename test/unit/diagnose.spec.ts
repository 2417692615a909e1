// diagnose(): every rule of the table with hand-made verdicts, and the table's order where rules overlap.
import { test, expect } from '@playwright/test';
import type { Check, FailureClass, Status, Verdict } from '../../src/contract/types';
import { DIAGNOSIS_RULES, diagnose, diagnoseWithRule } from '../../src/protocol/diagnose';

/** A verdict as the judge would return it, reduced to what diagnose reads: status, class, message, checks. */
function verdict(status: Status, cls: FailureClass | null = null, message = `${status} message`, checks: Check[] = []): Verdict {
  return {
    status,
    class: cls,
    message,
    checks,
    events: [],
    runId: null,
    threadId: null,
    answer: { frames: null, page: null },
    timings: { firstEventMs: null, completeMs: null },
    warnings: [],
    retries: [],
  };
}

function failing(name: string, cls: FailureClass, seen: string): Check {
  return { name, status: 'fail', class: cls, expected: `${name} expected`, seen };
}

const PASS = verdict('pass', null, 'all 14 checks passed');
const DEGRADED = verdict('degraded', null, 'complete-budget: expected within 30000 ms; took 31000 ms');

function failed(cls: FailureClass, message: string, checks: Check[] = []): Verdict {
  return verdict('fail', cls, message, checks);
}

const NOT_RENDERED = failed('ui-render', 'answer-rendered: expected an answer in the page; nothing rendered', [
  failing('answer-rendered', 'ui-render', 'nothing rendered'),
  failing('answer-agrees', 'ui-render', 'no page answer'),
]);
const MISMATCH = failed('ui-render', 'answer-agrees: expected the page and frames agree; they differ', [failing('answer-agrees', 'ui-render', 'they differ')]);
const MISSING_TOOL_COMPLETED = failed('missing-event', 'events-present: expected the five; missing tool_completed', [
  failing('events-present', 'missing-event', 'missing tool_completed'),
]);
const MISSING_TWO = failed('missing-event', 'events-present: expected the five; missing tool_executing, tool_completed', [
  failing('events-present', 'missing-event', 'missing tool_executing, tool_completed'),
]);
const EMPTY_ANSWER = failed('missing-event', 'final-answer: expected a non-empty answer; empty', [failing('final-answer', 'missing-event', 'empty')]);
const TRANSPORT = failed('transport', 'transport: expected the socket stays up; socket 0 closed 1011 Internal Error ("Service not ready")');
const AUTH = failed('auth', 'step-failures: expected every probe step completed; log in: answered 401');
const PROBE_ERROR = verdict('error', 'probe', 'step-failures: expected every probe step completed; probe: boom');
const CONFIG_ERROR = verdict('error', 'config', 'step-failures: no browser');

test.describe('diagnose', () => {
  test('both pass: none', () => {
    expect(diagnose(PASS, PASS)).toEqual({ blame: 'none', sentence: 'both probes passed: backend and page agree' });
  });

  test('both pass, one degraded: none, and the degradation is named', () => {
    expect(diagnose(PASS, DEGRADED)).toEqual({
      blame: 'none',
      sentence: `both probes passed: backend and page agree (the protocol probe is degraded: ${DEGRADED.message})`,
    });
  });

  test('protocol passes, the page never rendered the answer: frontend', () => {
    expect(diagnose(NOT_RENDERED, PASS)).toEqual({
      blame: 'frontend',
      sentence: 'the backend emitted all five events and the answer; the page never rendered the answer',
    });
  });

  test('protocol passes, the page rendered another answer: frontend, with the page message', () => {
    expect(diagnose(MISMATCH, PASS)).toEqual({
      blame: 'frontend',
      sentence: `the backend emitted all five events and the answer; the page failed: ${MISMATCH.message}`,
    });
  });

  for (const [cls, browser] of [['transport', TRANSPORT], ['auth', AUTH], ['missing-event', MISSING_TOOL_COMPLETED]] as const) {
    test(`protocol passes (degraded too), the browser fails ${cls}: frontend`, () => {
      const expected = { blame: 'frontend', sentence: `the backend emitted all five events and the answer; the page failed: ${browser.message}` };
      expect(diagnose(browser, PASS)).toEqual(expected);
      expect(diagnose(browser, DEGRADED)).toEqual(expected);
    });
  }

  test('both miss an event: backend, naming the missing events from the check', () => {
    expect(diagnose(MISSING_TOOL_COMPLETED, MISSING_TOOL_COMPLETED)).toEqual({ blame: 'backend', sentence: 'the backend never sent tool_completed' });
    expect(diagnose(MISSING_TWO, MISSING_TWO)).toEqual({ blame: 'backend', sentence: 'the backend never sent tool_executing, tool_completed' });
  });

  test('missing-event that is not a missing event type (an empty answer): backend with its message', () => {
    expect(diagnose(EMPTY_ANSWER, EMPTY_ANSWER)).toEqual({
      blame: 'backend',
      sentence: `the backend failed without a browser too (missing-event): ${EMPTY_ANSWER.message}`,
    });
  });

  for (const cls of ['order', 'pairing', 'error-event', 'fallback-stub', 'isolation', 'timeout'] as const) {
    test(`both fail ${cls}: backend, with the protocol message`, () => {
      const protocol = failed(cls, `${cls} protocol message`);
      expect(diagnose(failed(cls, `${cls} browser message`), protocol)).toEqual({
        blame: 'backend',
        sentence: `the backend failed without a browser too (${cls}): ${cls} protocol message`,
      });
    });
  }

  test('both fail transport: transport', () => {
    expect(diagnose(TRANSPORT, TRANSPORT)).toEqual({ blame: 'transport', sentence: `the connection failed without a browser too: ${TRANSPORT.message}` });
  });

  test('both fail auth: auth', () => {
    expect(diagnose(AUTH, AUTH)).toEqual({ blame: 'auth', sentence: `both probes failed to authenticate: ${AUTH.message}` });
  });

  test('both fail, in different ways: inconclusive with both messages', () => {
    const d = diagnose(TRANSPORT, MISSING_TOOL_COMPLETED);
    expect(d.blame).toBe('inconclusive');
    expect(d.sentence).toBe(
      `the probes disagree: the browser probe says fail (transport): ${TRANSPORT.message}; the protocol probe says fail (missing-event): ${MISSING_TOOL_COMPLETED.message}`,
    );
    // A page that only failed to render cannot explain a backend that missed events: no story either.
    expect(diagnose(NOT_RENDERED, MISSING_TOOL_COMPLETED).blame).toBe('inconclusive');
  });

  test('the page passes but the protocol probe fails: inconclusive, the probes saw different backends', () => {
    expect(diagnose(PASS, TRANSPORT)).toEqual({
      blame: 'inconclusive',
      sentence: `the page passed but the protocol probe failed (transport): ${TRANSPORT.message}`,
    });
  });

  test('the protocol probe could not judge: inconclusive, whatever the browser says', () => {
    for (const browser of [PASS, NOT_RENDERED, TRANSPORT]) {
      const d = diagnose(browser, PROBE_ERROR);
      expect(d.blame).toBe('inconclusive');
      expect(d.sentence).toContain(`the protocol probe could not judge (probe): ${PROBE_ERROR.message}`);
    }
  });

  test('the browser probe could not judge: inconclusive, even when the backend passed', () => {
    expect(diagnose(CONFIG_ERROR, PASS)).toEqual({
      blame: 'inconclusive',
      sentence: `the browser probe could not judge (config): ${CONFIG_ERROR.message}; the protocol probe says pass`,
    });
  });

  test('every rule of the table is reached by some pair of verdicts', () => {
    const samples = [PASS, DEGRADED, NOT_RENDERED, MISMATCH, MISSING_TOOL_COMPLETED, EMPTY_ANSWER, TRANSPORT, AUTH, PROBE_ERROR, CONFIG_ERROR, failed('order', 'o')];
    const reached = new Set<string>();
    for (const b of samples) for (const p of samples) reached.add(diagnoseWithRule(b, p).rule);
    expect([...reached].sort()).toEqual(DIAGNOSIS_RULES.map((r) => r.name).sort());
  });
});
