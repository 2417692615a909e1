// The judge: a pure function from the evidence the browser gathered to a verdict. No I/O, no clock.
// When in doubt it fails: missing evidence (no send, no run, no frames) never passes.
import { attributeRun, type Run } from './attribution';
import { defaultContract, requiredEvents, type Contract } from './contract';
import { FrameLog } from './frame-log';
import {
  answerAgreesCheck,
  answerExpectedCheck,
  answerKey,
  answerRenderedCheck,
  finalAnswerCheck,
  matchPage,
  noFallbackCheck,
  pageShown,
  primaryAnswer,
  runAnswersOf,
  type RunAnswers,
} from './checks/answer';
import { completeBudgetCheck, firstEventBudgetCheck } from './checks/budgets';
import { elapsed, rank, since } from './checks/check';
import { noErrorEventCheck } from './checks/errors';
import { completedInTimeCheck, eventsPresentCheck, finalAfterToolsCheck, firstStartedCheck, singleFinalCheck, toolPairingCheck } from './checks/events';
import { isolationCheck } from './checks/isolation';
import { requestsCheck, requestWarnings } from './checks/requests';
import { messageSentCheck, stepFailuresCheck } from './checks/steps';
import { chatSockets, transportCheck, transportWarnings } from './checks/transport';
import type { Check, EventTiming, Evidence, FrameEvidence, LostSight, StepFailure, Verdict } from './types';

export function judge(given: Evidence, contract: Contract = defaultContract): Verdict {
  // Losing sight of the run is a failure of its own, whatever else was seen (even after a complete run); said
  // once, when no step that it stopped says it already.
  const lost = given.lost;
  const told = lost !== undefined && given.stepFailures.some((f) => f.message.includes(lost.message));
  const evidence = lost && !told ? { ...given, stepFailures: [...given.stepFailures, lostStep(lost)] } : given;
  const log = frameEvidence(evidence, contract);
  const warnings = log.warnings();
  if (log.count === 0) warnings.push('no frames recorded');
  const page = evidence.page;
  const retries = evidence.retries ?? [];
  if (evidence.surface === 'protocol') warnings.push('protocol probe: no page, so answer-rendered and answer-agrees were not judged');
  for (const r of retries) warnings.push(`retried after a ${r.class} failure before the send: ${r.message}`);

  if (evidence.sentAt === null) {
    // Nothing to attribute a run to: only the steps and the missing send can be reported.
    const checks = [stepFailuresCheck(evidence.stepFailures), messageSentCheck(evidence.stepFailures)];
    return {
      ...summarize(checks),
      checks,
      events: requiredEvents(contract).map((type) => ({ type, firstSeenMs: null, count: 0 })),
      runId: null,
      threadId: null,
      userId: evidence.userId,
      answer: { frames: null, page: pageShown(page, { shown: null, stale: null, interim: null }) },
      timings: { firstEventMs: null, completeMs: null, answerVisibleMs: null },
      warnings,
      retries,
    };
  }

  const run = attributeRun(evidence, evidence.sentAt, log, contract);
  const failedRequests = evidence.httpFailures ?? [];
  warnings.push(...run.warnings, ...transportWarnings(evidence.sockets, run), ...requestWarnings(failedRequests, run));
  const answers = runAnswersOf(run, contract);
  const browser = evidence.surface !== 'protocol';
  const match = matchPage(answers, page);
  // Listed in the order a reader follows a run; the verdict picks the failing check by class priority.
  const judged: Check[] = [
    stepFailuresCheck(evidence.stepFailures),
    transportCheck(evidence.sockets, run, chatSockets(log, run.all.map((e) => e.socket), evidence.sockets)),
    requestsCheck(failedRequests, run),
    eventsPresentCheck(run, contract),
    completedInTimeCheck(run, contract),
    firstStartedCheck(run, contract),
    toolPairingCheck(run, contract),
    finalAfterToolsCheck(run, contract),
    singleFinalCheck(run, contract),
    finalAnswerCheck(answers, contract),
    // The protocol probe has no page: its verdict says nothing about rendering, rather than passing it.
    ...(browser ? [answerRenderedCheck(page, evidence.message, match.shown !== null), answerAgreesCheck(answers, page, match)] : []),
    ...(evidence.expectAnswer ? [answerExpectedCheck(answers, evidence.expectAnswer)] : []),
    isolationCheck(run, contract),
    noErrorEventCheck(run, contract),
    noFallbackCheck(run, answers, page, contract),
    firstEventBudgetCheck(run, evidence.budgets, contract),
    completeBudgetCheck(run, evidence.budgets, contract),
  ];
  const checks = evidence.lost ? judged.map((c) => blameLostSight(c, evidence.lost!, run)) : judged;
  // When a person first saw the run's final answer: the earliest any of its final answers was seen new (the
  // completion's own text may show a moment before the agent_response of the same words is even recorded).
  const seen = match.shown === null ? [] : answers.final.map((c) => page?.firstSeen?.[answerKey(c)]).filter((t): t is number => t !== undefined);
  const seenAt = seen.length === 0 ? undefined : Math.min(...seen);
  return {
    ...summarize(checks),
    checks,
    events: eventTimings(run, contract),
    runId: run.runId,
    threadId: run.probeThreadId ?? run.threadId,
    userId: run.userId,
    answer: {
      frames: (match.shown ?? primaryAnswer(answers.final))?.text ?? null,
      page: pageShown(page, match),
      ...(match.shown ? { matched: match.shown.source } : {}),
    },
    timings: {
      firstEventMs: run.started === null ? null : elapsed(run.started.t, run.sentAt),
      completeMs: run.final === null ? null : elapsed(run.final.t, run.sentAt),
      answerVisibleMs: seenAt === undefined ? null : elapsed(seenAt, run.sentAt),
    },
    warnings,
    retries,
  };
}

/**
 * Checks that fail because something was not seen (an event, the end of the run, the answer in the page) say
 * nothing about the run once the probe lost sight of it: their failure is put down to what happened (the page
 * crashed, the probe's browser died), with its class. Checks that failed on what was seen keep their class.
 */
const FAIL_WHEN_UNSEEN = new Set([
  'events-present',
  'completed-in-time',
  'tool-pairing',
  'final-after-tools',
  'final-answer',
  'answer-rendered',
  'answer-agrees',
  'answer-expected',
  'first-event-budget',
  'complete-budget',
]);

function lostStep(lost: LostSight): StepFailure {
  return { step: lost.class === 'probe' ? "the probe's browser" : 'the page', class: lost.class, message: lost.message };
}

function blameLostSight(c: Check, lost: LostSight, run: Run): Check {
  // first-started fails on what it saw (an event before agent_started), or because no agent_started came.
  const unseen = FAIL_WHEN_UNSEEN.has(c.name) || (c.name === 'first-started' && run.started === null);
  if (c.status !== 'fail' || !unseen) return c;
  return { ...c, class: lost.class, seen: `${c.seen}; the probe saw nothing of the run after ${since(lost.at, run.sentAt)}: ${lost.message}` };
}

/** The answers the run's frames carry so far: what the browser waits to see in the page. */
export function runAnswers(evidence: Evidence, contract: Contract = defaultContract): RunAnswers {
  if (evidence.sentAt === null) return { all: [], final: [], settled: false };
  const run = attributeRun(evidence, evidence.sentAt, frameEvidence(evidence, contract), contract);
  return runAnswersOf(run, contract);
}

/** The frames as the judge reads them: the probe's log, else the frames given, logged now. */
function frameEvidence(evidence: Evidence, contract: Contract): FrameEvidence {
  return evidence.log ?? FrameLog.of(evidence.frames ?? [], contract, evidence.nonce);
}

/** The failing check that decides a verdict: the highest-ranked class; of one class, the first listed. */
export function decidingFailure(checks: Check[]): Check | undefined {
  // Stable sort: among checks of the same class, the first listed names the failure.
  return checks.filter((c) => c.status === 'fail').sort((a, b) => rank(a.class) - rank(b.class))[0];
}

/**
 * The check that explains a verdict: its deciding failure, else (degraded) its first warning; none when all
 * passed. The one rule every reader uses (console, history, alerts, the validation report).
 */
export function decidingCheck(verdict: Pick<Verdict, 'checks'>): Check | undefined {
  return decidingFailure(verdict.checks) ?? verdict.checks.find((c) => c.status === 'warn');
}

/** Status, class and the one-line message, from the checks. */
export function summarize(checks: Check[]): Pick<Verdict, 'status' | 'class' | 'message'> {
  const top = decidingFailure(checks);
  if (top !== undefined) {
    // The probe could not judge (its configuration or its own bug): say so, rather than blame the product.
    const couldNotJudge = top.name === 'step-failures' && (top.class === 'config' || top.class === 'probe');
    return { status: couldNotJudge ? 'error' : 'fail', class: top.class, message: describe(top) };
  }
  const warn = checks.find((c) => c.status === 'warn');
  if (warn !== undefined) return { status: 'degraded', class: null, message: describe(warn) };
  return { status: 'pass', class: null, message: `all ${checks.length} checks passed` };
}

function describe(check: Check): string {
  return `${check.name}: expected ${check.expected}; ${check.seen}`;
}

/** The five required events in contract order, then the run's other event types in order of arrival. */
function eventTimings(run: Run, contract: Contract): EventTiming[] {
  const required = requiredEvents(contract);
  const others = [...new Set(run.events.map((e) => e.type))].filter((type) => !required.includes(type));
  return [...required, ...others].map((type) => {
    const ofType = run.events.filter((e) => e.type === type);
    const first = ofType[0];
    return { type, firstSeenMs: first === undefined ? null : elapsed(first.t, run.sentAt), count: ofType.length };
  });
}

/** The verdict when the probe itself broke (its own bug, an unexpected error): `error`, never `pass`. */
export function couldNotJudge(message: string, contract: Contract = defaultContract): Verdict {
  return {
    status: 'error',
    class: 'probe',
    message,
    checks: [{ name: 'step-failures', status: 'fail', class: 'probe', expected: 'the probe could judge the run', seen: message }],
    events: requiredEvents(contract).map((type) => ({ type, firstSeenMs: null, count: 0 })),
    runId: null,
    threadId: null,
    answer: { frames: null, page: null },
    timings: { firstEventMs: null, completeMs: null, answerVisibleMs: null },
    warnings: [],
    retries: [],
  };
}
