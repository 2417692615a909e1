// One turn of a conversation: the probe's message (with its own nonce), its send, the wait for its run's final
// agent_completed and for its answer in the page, and its judgement, as its own run under the whole contract.
// The session (session.ts) owns the page, the recorder and the frames all turns share; a turn owns its times,
// its waits and its verdict. Turn 1 of a one-turn conversation is what the probe always judged.

import { randomBytes } from 'node:crypto';
import type { Page } from '@playwright/test';
import { budgetsOf } from '../config/load';
import { answerKey, matchPage, newlyVisible, type RunAnswers } from '../contract/checks/answer';
import type { TurnTrace } from '../contract/checks/conversation';
import { agentEventTypes } from '../contract/contract';
import { couldNotJudge, judge, runAnswers } from '../contract/judge';
import type { Evidence, PageText, StepFailure, Verdict } from '../contract/types';
import type { Send } from '../capture/chat';
import { answerScope } from '../capture/visible-text';
import { waitForTraffic } from '../capture/wait';
import { ProbeStepError } from '../errors';
import type { StepRecord, WaitRecord } from '../report/result';
import { FinishWatcher } from './finished';
import type { ProbeSession } from './session';

/** How often the page is read while the probe waits for the answer (or for its own message) to show. */
export const PAGE_POLL_MS = 100;
/** How often the wait for the run's end looks again without a new frame (a cut-off socket's resume wait). */
const RUN_END_RECHECK_MS = 250;

/** Where a step's records go: the session's (open, log in, reload) or a turn's (send, the waits). */
export interface StepLog {
  readonly steps: StepRecord[];
  readonly waits: WaitRecord[];
  readonly stepFailures: StepFailure[];
}

/** A turn's nonce: 12 hex digits, appended to its message. */
export function newNonce(): string {
  return randomBytes(6).toString('hex');
}

export class ProbeTurn implements StepLog {
  readonly message: string;
  readonly steps: StepRecord[] = [];
  readonly waits: WaitRecord[] = [];
  readonly stepFailures: StepFailure[] = [];
  /** When the message was sent (the click that was confirmed to send it); null until then. */
  sentAt: number | null = null;
  /** When the probe clicked send, before the click was confirmed to have sent anything. */
  clickedAt: number | null = null;
  /** The next turn's send: what comes after it is not this turn's. */
  until: number | undefined;
  /** The page's visible text (within the answer scope) just before the send, and once the answer came. */
  private pageBefore: string | null = null;
  pageAfter: string | null = null;
  /** When the probe first saw each of the run's answers visible and new, by answerKey. */
  private readonly firstSeen: Record<string, number> = {};
  /** When the wait for the final agent_completed saw it. */
  private finalSeenAt: number | null = null;
  private readonly finishWatcher: FinishWatcher;
  private verdict: Verdict | undefined;

  constructor(
    private readonly session: ProbeSession,
    /** 1-based. */
    readonly number: number,
    text: string,
    readonly nonce: string,
  ) {
    this.message = `${text} [probe ${this.nonce}]`;
    this.finishWatcher = new FinishWatcher(session.config.contract, session.log, session.recorder.sockets);
  }

  /** A step's name as the reports list it: `send message`, and `turn 2: send message` from the second turn on. */
  stepName(name: string): string {
    return this.number === 1 ? name : `turn ${this.number}: ${name}`;
  }

  /** The probe is about to click send: returns the time the send will count from once confirmed. */
  beginSend(): number {
    this.clickedAt = this.session.clock.now();
    return this.clickedAt;
  }

  /** Reads what the page shows before the send: an answer visible already then does not count as this turn's. */
  async readPageBeforeSend(page: Page): Promise<void> {
    this.pageBefore = this.session.redactedOrNull(await this.session.readPage(page));
  }

  /**
   * Confirms the send (a click, or Enter) sent the message: a frame or request carried its nonce, or the page
   * shows it outside the message box (an editable box shows what is typed before any send). Only then does
   * the send count, from `clickedAt`: a send that did nothing is the page's fault (ui-render), not a run that
   * never started (timeout).
   */
  async confirmSend(page: Page, clickedAt: number, timeoutMs: number, send: Send): Promise<void> {
    const { clock, recorder, log } = this.session;
    const started = clock.now();
    const deadline = started + timeoutMs;
    const carried = () => log.sent.some((f) => f.payload.includes(this.nonce)) || recorder.httpSends.some((h) => carries(h.body, this.nonce));
    let met = carried();
    while (!met && !this.session.pageLost && clock.now() < deadline) {
      const shown = (await this.session.readPage(page, undefined))?.includes(this.nonce) === true && !(await send.stillTyped());
      met = shown || ((await waitForTraffic(recorder, () => carried() || this.session.pageLost, Math.min(PAGE_POLL_MS, Math.max(0, deadline - clock.now())))) && carried());
    }
    this.waits.push({ name: 'the message leaving the page (a frame or request carrying it, or the page showing it)', timeoutMs, met, tookMs: clock.now() - started, startMs: started });
    const lost = this.session.lostSightNow;
    if (lost !== undefined) throw new ProbeStepError(lost.class, `send message: ${lost.message}`);
    if (!met)
      throw new ProbeStepError(
        'ui-render',
        `send message: ${send.how} sent nothing within ${timeoutMs} ms: no frame or request carried the message, and the page did not show it`,
      );
    this.sentAt = clickedAt;
  }

  /** Waits until the run's final agent_completed arrived, or the socket carrying the chat broke for good. */
  async waitForRunEnd(timeoutMs: number): Promise<void> {
    const { clock } = this.session;
    const ended = await this.session.waitFor("the run's final agent_completed", () => this.finishWatcher.finished(this.sentAt, () => this.evidence(), clock.now()), timeoutMs, RUN_END_RECHECK_MS, this);
    // The watcher already judged the run to know it completed: no second judgement of every frame here.
    if (ended && this.finishWatcher.completed) this.finalSeenAt = clock.now();
  }

  /**
   * After the final agent_completed: waits until the run's final answer is visible and new in the page,
   * bounded by PROBE_RENDER_TIMEOUT_MS from the completion. The answers are read from every frame that has
   * arrived, those during the wait included: a platform may send its answer seconds after the completion, or
   * as chunks. Beside it the probe keeps listening PROBE_FINAL_GRACE_MS for late events, so that a
   * tool_completed just after the final is judged as out of order rather than missing.
   */
  async waitForAnswerAndLateEvents(page: Page): Promise<void> {
    const { clock, recorder, log, config } = this.session;
    if (this.session.pageLost) return;
    const finalAt = this.finalSeenAt;
    if (finalAt === null) {
      // The run never completed: what the page shows now is the evidence, read once.
      this.pageAfter = this.session.redactedOrNull(await this.session.readPage(page));
      return;
    }
    const grace = Math.max(0, finalAt + config.finalGraceMs - clock.now());
    // A listening window, not a condition: it is met by running its course.
    const lateFrom = clock.now();
    const late = waitForTraffic(recorder, () => false, grace).then(() =>
      this.waits.push({ name: 'listening for late events after the final agent_completed (PROBE_FINAL_GRACE_MS)', timeoutMs: grace, met: true, tookMs: grace, startMs: lateFrom }),
    );
    const started = clock.now();
    const deadline = finalAt + config.renderTimeoutMs;
    let known = -1;
    let answers: RunAnswers = { all: [], final: [], settled: false };
    let text: string | null = null;
    let shown = false;
    for (;;) {
      if (log.events.length !== known) {
        known = log.events.length;
        answers = runAnswers(this.evidence(), config.contract);
      }
      text = await this.session.readPage(page);
      if (text !== null) {
        const seen = clock.now();
        for (const c of newlyVisible(answers.all, this.pageBefore, text)) this.firstSeen[answerKey(c)] ??= seen;
        shown = matchPage(answers, this.pageText(text)).shown !== null;
      }
      // An answer from before the completion may still be replaced by one that follows it: only a settled one ends the wait early.
      const remaining = deadline - clock.now();
      if ((shown && answers.settled) || remaining <= 0 || this.session.pageLost || page.isClosed()) break;
      await waitForTraffic(recorder, () => log.events.length !== known || this.session.pageLost, Math.min(PAGE_POLL_MS, remaining));
    }
    this.pageAfter = this.session.redactedOrNull(text);
    const timeoutMs = Math.max(0, deadline - started);
    this.waits.push({ name: `the run's final answer visible in ${answerScope(config.answerSelector)}`, timeoutMs, met: shown, tookMs: clock.now() - started, startMs: started });
    await late;
  }

  /** Reads the page once more when the answer was never read (a step broke before): evidence for the judge. */
  async readPageIfUnread(page: Page): Promise<void> {
    if (this.sentAt !== null && this.pageAfter === null && !this.session.pageLost) this.pageAfter = this.session.redactedOrNull(await this.session.readPage(page));
  }

  private pageText(after: string | null): PageText {
    return { scope: answerScope(this.session.config.answerSelector), before: this.pageBefore, after, firstSeen: this.firstSeen };
  }

  evidence(): Evidence {
    const s = this.session;
    const c = s.config;
    const first = this.number === 1;
    // Failed requests before the turn's send belong to the turn before it (or to a retried attempt).
    const since = first ? s.attemptStartedAt : (this.clickedAt ?? Infinity);
    return {
      ...s.userEvidence(),
      nonce: this.nonce,
      message: this.message,
      sentAt: this.sentAt,
      log: s.log,
      sockets: s.recorder.sockets,
      httpSends: s.recorder.httpSends.filter((h) => carries(h.body, this.nonce)),
      httpFailures: s.recorder.httpFailures.filter((f) => f.t >= since && (this.until === undefined || f.t < this.until)),
      page: this.sentAt === null ? null : this.pageText(this.pageAfter),
      stepFailures: first ? [...s.stepFailures, ...this.stepFailures] : this.stepFailures,
      budgets: budgetsOf(c),
      expectAnswer: c.expectAnswer,
      retries: first ? s.retries : [],
      ...(this.until === undefined ? {} : { until: this.until }),
      ...(s.lostSightNow ? { lost: s.lostSightNow } : {}),
    };
  }

  /** The turn's verdict, judged once, when the turn is over (its answer waited for, or a step broke). */
  judge(): Verdict {
    if (this.verdict) return this.verdict;
    try {
      this.verdict = judge(this.evidence(), this.session.config.contract);
    } catch (err) {
      this.verdict = couldNotJudge(`judge: ${(err as Error).message}`, this.session.config.contract);
    }
    return this.verdict;
  }

  /** What the conversation's checks need of this turn; after judge(). */
  trace(): TurnTrace {
    const v = this.judge();
    const agentTypes = agentEventTypes(this.session.config.contract);
    const sent = this.sentAt ?? Infinity;
    return {
      turn: this.number,
      message: this.message,
      nonce: this.nonce,
      runId: v.runId,
      threadId: v.threadId,
      answer: v.answer.frames,
      events: this.session.log.events.filter((e) => agentTypes.has(e.type) && e.t >= sent && (this.until === undefined || e.t < this.until)),
    };
  }
}

/** Whether a recorded request body carries the nonce (JSON or text). */
function carries(body: unknown, nonce: string): boolean {
  return (typeof body === 'string' ? body : JSON.stringify(body ?? '')).includes(nonce);
}
