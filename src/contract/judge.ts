// The judge: a pure function from the evidence the browser gathered to a verdict. No I/O, no clock.
// When in doubt it fails: missing evidence (no send, no run, no frames) never passes.
import { attributeRun, type Run } from './attribution';
import { defaultContract, requiredEvents, type Contract } from './contract';
import { FrameLog } from './frame-log';
import {
  answerAgreesCheck,
  answerCandidates,
  answerExpectedCheck,
  answerRenderedCheck,
  finalAnswerCheck,
  type AnswerCandidate,
  matchPage,
  noFallbackCheck,
  pageShown,
  primaryAnswer,
} from './checks/answer';
import { completeBudgetCheck, firstEventBudgetCheck } from './checks/budgets';
import { elapsed, rank } from './checks/check';
import { noErrorEventCheck } from './checks/errors';
import { completedInTimeCheck, eventsPresentCheck, finalAfterToolsCheck, firstStartedCheck, singleFinalCheck, toolPairingCheck } from './checks/events';
import { isolationCheck } from './checks/isolation';
import { requestsCheck, requestWarnings } from './checks/requests';
import { messageSentCheck, stepFailuresCheck } from './checks/steps';
import { transportCheck, transportWarnings } from './checks/transport';
import type { Check, EventTiming, Evidence, FrameEvidence, Verdict } from './types';

export function judge(evidence: Evidence, contract: Contract = defaultContract): Verdict {
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
      answer: { frames: null, page: pageShown(page, { shown: null, stale: null }) },
      timings: { firstEventMs: null, completeMs: null },
      warnings,
      retries,
    };
  }

  const run = attributeRun(evidence, evidence.sentAt, log, contract);
  const failedRequests = evidence.httpFailures ?? [];
  warnings.push(...run.warnings, ...transportWarnings(evidence.sockets, run), ...requestWarnings(failedRequests, run));
  const candidates = answerCandidates(run, contract);
  const browser = evidence.surface !== 'protocol';
  const match = matchPage(candidates, page);
  // Listed in the order a reader follows a run; the verdict picks the failing check by class priority.
  const checks: Check[] = [
    stepFailuresCheck(evidence.stepFailures),
    transportCheck(evidence.sockets, run),
    requestsCheck(failedRequests, run),
    eventsPresentCheck(run, contract),
    completedInTimeCheck(run, contract),
    firstStartedCheck(run, contract),
    toolPairingCheck(run, contract),
    finalAfterToolsCheck(run, contract),
    singleFinalCheck(run, contract),
    finalAnswerCheck(candidates, contract),
    // The protocol probe has no page: its verdict says nothing about rendering, rather than passing it.
    ...(browser ? [answerRenderedCheck(page, evidence.message), answerAgreesCheck(candidates, page, match)] : []),
    ...(evidence.expectAnswer ? [answerExpectedCheck(candidates, evidence.expectAnswer)] : []),
    isolationCheck(run, contract),
    noErrorEventCheck(run, contract),
    noFallbackCheck(run, candidates, page, contract),
    firstEventBudgetCheck(run, evidence.budgets, contract),
    completeBudgetCheck(run, evidence.budgets, contract),
  ];
  return {
    ...summarize(checks),
    checks,
    events: eventTimings(run, contract),
    runId: run.runId,
    threadId: run.probeThreadId ?? run.threadId,
    answer: {
      frames: (match.shown ?? primaryAnswer(candidates))?.text ?? null,
      page: pageShown(page, match),
      ...(match.shown ? { matched: match.shown.source } : {}),
    },
    timings: {
      firstEventMs: run.started === null ? null : elapsed(run.started.t, run.sentAt),
      completeMs: run.final === null ? null : elapsed(run.final.t, run.sentAt),
    },
    warnings,
    retries,
  };
}

/** The answers the run's frames carry so far: what the browser waits to see in the page. */
export function runAnswers(evidence: Evidence, contract: Contract = defaultContract): AnswerCandidate[] {
  if (evidence.sentAt === null) return [];
  const run = attributeRun(evidence, evidence.sentAt, frameEvidence(evidence, contract), contract);
  return answerCandidates(run, contract);
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
    timings: { firstEventMs: null, completeMs: null },
    warnings: [],
    retries: [],
  };
}
