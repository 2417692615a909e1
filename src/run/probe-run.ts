// One probe run: the state the browser steps gather (the recorder, the user, the send, the rendered answer,
// the steps that failed) and the end of the run, where the evidence goes to the judge and the verdict to the
// report files. `finish()` is called from the fixture's teardown too, so a run that broke halfway still
// leaves a result.json that says why.

import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { errors, type Page } from '@playwright/test';
import { historyDbSecret } from '../config/history-url';
import type { PreflightResult } from '../preflight/preflight';
import { budgetsOf, type ProbeConfig } from '../config/load';
import { describeClose } from '../contract/close-codes';
import { answerKey, matchPage, newlyVisible, type RunAnswers } from '../contract/checks/answer';
import { agentEventTypes } from '../contract/contract';
import { couldNotJudge, judge, runAnswers } from '../contract/judge';
import type { Evidence, FailureClass, LostSight, PageText, StepFailure, Verdict } from '../contract/types';
import type { LoginUser } from '../auth/token';
import type { Send } from '../capture/chat';
import { PageUnresponsive, PageWatch } from '../capture/page-health';
import { answerScope, visibleText } from '../capture/visible-text';
import { Clock } from '../capture/clock';
import { Recorder } from '../capture/recorder';
import { TraceContext, traceFields } from '../capture/trace-context';
import { waitForTraffic } from '../capture/wait';
import { describeFailures } from '../contract/checks/requests';
import { ProbeStepError } from '../errors';
import { Redactor } from '../redact';
import { FinishWatcher } from './finished';
import type { SendGate } from './send-gate';
import { FrameLog } from '../contract/frame-log';
import { TimelineBuilder } from '../report/timeline';
import type { SessionTrace } from '../contract/checks/cross-talk';
import { framesFileOf, readPreflight, targetOf, writeRunArtifacts, type RunResult, type SessionRecord, type StepRecord, type WaitRecord } from '../report/result';

/** Which of a run's sessions this is, when it has several (PROBE_USERS); one session by default. */
export interface SessionOptions {
  /** 1-based. */
  session: number;
  sessions: number;
  /** One clock for every session of a run, so that their times compare. */
  clock: Clock;
  /** Every session's secrets: none may appear in any session's files. */
  secrets: Array<string | undefined>;
}

/** How many received frames carrying another session's nonce are kept, per nonce: enough to point at. */
const NONCE_HITS_KEPT = 10;

/** How long the probe gives a page to open a new socket after one was refused at the upgrade. */
const UPGRADE_RETRY_GRACE_MS = 3_000;
/** How often the page is read while the probe waits for the answer (or for its own message) to show. */
const PAGE_POLL_MS = 100;
/** How often the wait for the run's end looks again without a new frame (a cut-off socket's resume wait). */
const RUN_END_RECHECK_MS = 250;

export class ProbeRun {
  readonly clock: Clock;
  readonly redactor: Redactor;
  readonly nonce = randomBytes(6).toString('hex');
  readonly message: string;
  readonly recorder: Recorder;
  /** W3C trace context on the session's requests to the target (PROBE_TRACE_PROPAGATION); undefined when off. */
  readonly traceContext: TraceContext | undefined;
  /** What the judge needs of the frames, kept as they arrive; frames.ndjson has the frames themselves. */
  private readonly log: FrameLog;
  private readonly timeline = new TimelineBuilder();
  private user: LoginUser = { userId: null, userIdIsHint: false };
  private sentAt: number | null = null;
  /** Set when the probe lost sight of the run (page crashed or froze, browser died): every wait ends. */
  private lost: LostSight | undefined;
  /** Settles when the probe loses sight of the page: a step under way stops at once. */
  private readonly lostSight: Promise<LostSight>;
  private onLostSight: (lost: LostSight) => void = () => undefined;
  private watch: PageWatch | undefined;
  /** When the probe clicked send, before the click was confirmed to have sent anything. */
  private clickedAt: number | null = null;
  /** When the probe first saw each of the run's answers visible and new, by answerKey. */
  private readonly firstSeen: Record<string, number> = {};
  /** When the attempt that reached the send started: failed requests before it belong to a retried attempt. */
  private attemptStartedAt = 0;
  /** When the wait for the final agent_completed saw it. */
  private finalSeenAt: number | null = null;
  /** The page's visible text (within the answer scope) just before the send, and at the end. */
  private pageBefore: string | null = null;
  private pageAfter: string | null = null;
  private readonly stepFailures: StepFailure[] = [];
  private readonly retries: StepFailure[] = [];
  private readonly steps: StepRecord[] = [];
  private readonly waits: WaitRecord[] = [];
  private verdict: Verdict | undefined;
  private readonly finishWatcher: FinishWatcher;
  /** Other sessions' nonces, and the received frames that carried one (cross-talk). */
  private foreignNonces: string[] = [];
  private readonly nonceHits: Array<{ nonce: string; frame: number }> = [];
  private readonly nonceHitCount = new Map<string, number>();
  private preflightRead: { result: PreflightResult | undefined } | undefined;
  readonly framesFile: string;

  constructor(
    readonly config: ProbeConfig,
    readonly runDir: string,
    readonly session: SessionOptions = { session: 1, sessions: 1, clock: new Clock(), secrets: [] },
  ) {
    this.clock = session.clock;
    this.lostSight = new Promise((resolve) => (this.onLostSight = resolve));
    this.framesFile = framesFileOf(session.session, session.sessions);
    this.redactor = new Redactor([config.password, config.bypassKey, config.token, historyDbSecret(config.historyDb), ...session.secrets]);
    this.message = `${config.message} [probe ${this.nonce}]`;
    this.finishWatcher = new FinishWatcher(config.contract);
    const origins = new Set([config.appUrl, config.apiUrl, config.authUrl].map((u) => new URL(u).origin));
    this.traceContext = config.tracePropagation ? new TraceContext(origins, this.clock, this.nonce) : undefined;
    this.log = new FrameLog(config.contract, this.nonce);
    this.recorder = new Recorder(this.clock, this.redactor, join(runDir, this.framesFile), this.nonce, origins, (frame) => {
      if (frame.dir === 'in' && this.foreignNonces.length > 0) this.noteForeignNonces(frame.payload, this.log.count);
      this.timeline.add(frame, this.log.add(frame));
    });
  }

  /** The other sessions' nonces, to be looked for in every frame this session's page receives. */
  watchForNonces(nonces: string[]): void {
    this.foreignNonces = nonces.filter((n) => n !== this.nonce);
  }

  private noteForeignNonces(payload: string, frame: number): void {
    for (const nonce of this.foreignNonces) {
      if (!payload.includes(nonce)) continue;
      const seen = this.nonceHitCount.get(nonce) ?? 0;
      this.nonceHitCount.set(nonce, seen + 1);
      if (seen < NONCE_HITS_KEPT) this.nonceHits.push({ nonce, frame });
    }
  }

  /** When the message was sent (ms on the run's clock); null before the send. */
  get sendTime(): number | null {
    return this.sentAt;
  }

  setUser(user: LoginUser): void {
    this.user = user;
  }

  /**
   * Watches the page from now on: a renderer crash, the probe's browser going away, and (from
   * expectResponsivePage on) a page that stops answering end every wait of the run at once.
   */
  watchPage(page: Page): void {
    const moment = () =>
      this.sentAt !== null ? { at: this.sentAt, label: 'the send' } : this.clickedAt !== null ? { at: this.clickedAt, label: 'the click on send' } : null;
    this.watch = new PageWatch(page, this.clock, moment, this.config.unresponsiveMs, (lost) => this.loseSight(lost));
  }

  /** Once the chat is open: the page must keep answering (a heartbeat, every read bounded). */
  expectResponsivePage(): void {
    this.watch?.startHeartbeat();
  }

  private loseSight(lost: LostSight): void {
    if (this.lost !== undefined) return;
    this.lost = lost;
    this.onLostSight(lost);
    this.recorder.notify();
  }

  /** The waits of the last step that ran out, by name: the step ended `unmet` (none: it passed or failed). */
  get lastStepUnmet(): string[] {
    return this.steps.at(-1)?.unmet ?? [];
  }

  /** Whether the probe lost sight of the page (crashed, frozen, its browser gone): nothing more can be read of it. */
  get pageLost(): boolean {
    return this.lost !== undefined;
  }

  /** The probe is about to click send: returns the time the send will count from once confirmed. */
  beginSend(): number {
    this.clickedAt = this.clock.now();
    return this.clickedAt;
  }

  /**
   * Confirms the send (a click, or Enter) sent the message: a frame or request carried its nonce, or the page
   * shows it outside the message box (an editable box shows what is typed before any send). Only then does
   * the send count, from `clickedAt`: a send that did nothing is the page's fault (ui-render), not a run that
   * never started (timeout).
   */
  async confirmSend(page: Page, clickedAt: number, timeoutMs: number, send: Send): Promise<void> {
    const started = this.clock.now();
    const deadline = started + timeoutMs;
    const carried = () => this.log.sent.length > 0 || this.recorder.httpSends.length > 0;
    let met = carried();
    while (!met && this.lost === undefined && this.clock.now() < deadline) {
      const shown = (await this.readPage(page, undefined))?.includes(this.nonce) === true && !(await send.stillTyped());
      met = shown || (await waitForTraffic(this.recorder, () => carried() || this.lost !== undefined, Math.min(PAGE_POLL_MS, Math.max(0, deadline - this.clock.now())))) && carried();
    }
    this.waits.push({ name: 'the message leaving the page (a frame or request carrying it, or the page showing it)', timeoutMs, met, tookMs: this.clock.now() - started, startMs: started });
    if (this.lost !== undefined) throw new ProbeStepError(this.lost.class, `send message: ${this.lost.message}`);
    if (!met)
      throw new ProbeStepError(
        'ui-render',
        `send message: ${send.how} sent nothing within ${timeoutMs} ms: no frame or request carried the message, and the page did not show it`,
      );
    this.sentAt = clickedAt;
  }

  /** Reads what the page shows before the send: an answer visible already then does not count as this run's. */
  async readPageBeforeSend(page: Page): Promise<void> {
    this.pageBefore = this.redactedOrNull(await this.readPage(page));
  }

  /**
   * After the final agent_completed: waits until the run's final answer is visible and new in the page,
   * bounded by PROBE_RENDER_TIMEOUT_MS from the completion. The answers are read from every frame that has
   * arrived, those during the wait included: a platform may send its answer seconds after the completion, or
   * as chunks. Beside it the probe keeps listening PROBE_FINAL_GRACE_MS for late events, so that a
   * tool_completed just after the final is judged as out of order rather than missing.
   */
  async waitForAnswerAndLateEvents(page: Page): Promise<void> {
    if (this.lost !== undefined) return;
    const finalAt = this.finalSeenAt;
    if (finalAt === null) {
      // The run never completed: what the page shows now is the evidence, read once.
      this.pageAfter = this.redactedOrNull(await this.readPage(page));
      return;
    }
    const grace = Math.max(0, finalAt + this.config.finalGraceMs - this.clock.now());
    // A listening window, not a condition: it is met by running its course.
    const lateFrom = this.clock.now();
    const late = waitForTraffic(this.recorder, () => false, grace).then(() =>
      this.waits.push({ name: 'listening for late events after the final agent_completed (PROBE_FINAL_GRACE_MS)', timeoutMs: grace, met: true, tookMs: grace, startMs: lateFrom }),
    );
    const started = this.clock.now();
    const deadline = finalAt + this.config.renderTimeoutMs;
    let known = -1;
    let answers: RunAnswers = { all: [], final: [], settled: false };
    let text: string | null = null;
    let shown = false;
    for (;;) {
      if (this.log.events.length !== known) {
        known = this.log.events.length;
        answers = runAnswers(this.evidence(), this.config.contract);
      }
      text = await this.readPage(page);
      if (text !== null) {
        const seen = this.clock.now();
        for (const c of newlyVisible(answers.all, this.pageBefore, text)) this.firstSeen[answerKey(c)] ??= seen;
        shown = matchPage(answers, this.pageText(text)).shown !== null;
      }
      // An answer from before the completion may still be replaced by one that follows it: only a settled one ends the wait early.
      const remaining = deadline - this.clock.now();
      if ((shown && answers.settled) || remaining <= 0 || this.lost !== undefined || page.isClosed()) break;
      await waitForTraffic(this.recorder, () => this.log.events.length !== known || this.lost !== undefined, Math.min(PAGE_POLL_MS, remaining));
    }
    this.pageAfter = this.redactedOrNull(text);
    const timeoutMs = Math.max(0, deadline - started);
    this.waits.push({ name: `the run's final answer visible in ${answerScope(this.config.answerSelector)}`, timeoutMs, met: shown, tookMs: this.clock.now() - started, startMs: started });
    await late;
  }

  /**
   * The page's visible text (within `selector`, by default the answer scope), every read bounded by
   * PROBE_UNRESPONSIVE_MS. A page that does not answer has stopped responding: the probe loses sight of the run.
   */
  private async readPage(page: Page, selector: string | undefined = this.config.answerSelector): Promise<string | null> {
    if (this.lost !== undefined) return null;
    try {
      return await visibleText(page, selector, this.config.unresponsiveMs);
    } catch (err) {
      if (!(err instanceof PageUnresponsive)) throw err;
      if (this.watch) this.watch.unresponsive(err);
      else this.loseSight({ at: this.clock.now(), class: 'ui-render', message: `the page stopped responding: ${err.message}` });
      return null;
    }
  }

  private redactedOrNull(text: string | null): string | null {
    return text === null ? null : this.redactor.redact(text);
  }

  private pageText(after: string | null): PageText {
    return { scope: answerScope(this.config.answerSelector), before: this.pageBefore, after, firstSeen: this.firstSeen };
  }

  /**
   * Runs one named step. A failure is recorded with its class (the step's own class for errors of the page,
   * `probe` for errors of the probe's code) and rethrown with secrets removed, so the test report is clean.
   */
  async step<T>(name: string, failureClass: FailureClass, body: () => Promise<T>): Promise<T> {
    const started = this.clock.now();
    const waitsBefore = this.waits.length;
    try {
      const work = body();
      // Losing sight of the page ends the step at once: a click on a frozen page would wait out its timeout.
      work.catch(() => undefined);
      const lost = this.lostSight.then((l): never => {
        throw new ProbeStepError(l.class, `${name}: stopped: ${l.message}`);
      });
      lost.catch(() => undefined);
      const result = await Promise.race([work, lost]);
      // A wait that ran out is no failure of the step (the judge says what it means), and no pass either.
      const unmet = this.waits.slice(waitsBefore).filter((w) => !w.met).map((w) => w.name);
      const durationMs = this.clock.now() - started;
      this.steps.push(unmet.length > 0 ? { name, status: 'unmet', durationMs, unmet, startMs: started } : { name, status: 'passed', durationMs, startMs: started });
      return result;
    } catch (err) {
      // Once the probe lost sight of the page, whatever a step then ran into is that, not a fault of its own.
      const cls = this.lost?.class ?? (err instanceof ProbeStepError ? err.failureClass : isPageError(err) ? failureClass : 'probe');
      const raw = err instanceof Error ? err.message : String(err);
      const message = this.redactor.redact(raw.startsWith(`${name}:`) ? raw : `${name}: ${raw}`).split('\n')[0]!;
      this.stepFailures.push({ step: name, class: cls, message });
      this.steps.push({ name, status: 'failed', durationMs: this.clock.now() - started, error: message, startMs: started });
      throw new Error(message);
    }
  }

  /**
   * The retry policy: a transport failure before the message is sent (the staging's door was shut: refused,
   * 5xx, a failed upgrade) is retried up to PROBE_RETRIES_BEFORE_SEND times, and each retry is recorded in
   * the verdict. Any other failure, and anything after the send, is final: a retry there could hide a bug.
   */
  async retryingBeforeSend(body: () => Promise<void>): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const failuresBefore = this.stepFailures.length;
      this.attemptStartedAt = this.clock.now();
      try {
        return await body();
      } catch (err) {
        const failure = this.stepFailures[this.stepFailures.length - 1];
        const retryable =
          this.sentAt === null &&
          failure !== undefined &&
          this.stepFailures.length > failuresBefore &&
          failure.class === 'transport' &&
          attempt <= this.config.retriesBeforeSend;
        if (!retryable) throw err;
        this.stepFailures.pop();
        this.retries.push({ ...failure, message: `attempt ${attempt}: ${failure.message}` });
      }
    }
  }

  /** With several sessions: waits until every other session is ready to send too (bounded, recorded). */
  async waitForOtherSessions(gate: SendGate, timeoutMs: number): Promise<void> {
    if (this.session.sessions === 1) return;
    const started = this.clock.now();
    const met = await gate.arrive(timeoutMs);
    this.waits.push({ name: 'the other sessions ready to send', timeoutMs, met, tookMs: this.clock.now() - started, startMs: started });
  }

  /**
   * A bounded wait on the traffic; its outcome is recorded so the report says what was waited for and how long.
   * It ends at once when the probe lost sight of the page (not met).
   */
  async waitFor(name: string, condition: () => boolean, timeoutMs: number, recheckMs?: number): Promise<boolean> {
    const started = this.clock.now();
    await waitForTraffic(this.recorder, () => this.lost !== undefined || condition(), Math.max(0, timeoutMs), recheckMs);
    const met = this.lost === undefined && condition();
    this.waits.push({ name, timeoutMs, met, tookMs: this.clock.now() - started, startMs: started });
    return met;
  }

  /**
   * Waits until a socket of the page receives a frame (the chat is connected). A socket that closed
   * without ever receiving one (a refused upgrade: 403, 503) ends the wait early unless the page opens
   * another within UPGRADE_RETRY_GRACE_MS: a page that gives up must not cost the whole step timeout.
   */
  async waitForChatSocket(timeoutMs: number): Promise<void> {
    const since = this.attemptStartedAt;
    const { sockets } = this.recorder;
    const log = this.log;
    const received = () => log.lastReceivedAt !== null && log.lastReceivedAt >= since;
    const refused = () => {
      const last = sockets[sockets.length - 1];
      return !!last && last.openedAt >= since && last.closedAt !== undefined && !log.receivedBySocket.has(last.socket);
    };
    const deadline = this.clock.now() + timeoutMs;
    await this.waitFor('a WebSocket of the chat receives a frame', () => received() || refused(), timeoutMs);
    if (!received() && refused()) {
      const count = sockets.length;
      const grace = Math.min(UPGRADE_RETRY_GRACE_MS, Math.max(0, deadline - this.clock.now()));
      await this.waitFor('the page to open another socket after a refused one', () => received() || sockets.length > count, grace);
      if (sockets.length > count && !received()) await this.waitFor('a WebSocket of the chat receives a frame', received, Math.max(0, deadline - this.clock.now()));
    }
    if (received()) return;
    const tried = sockets
      .filter((s) => s.openedAt >= since)
      .map((s) => `${s.url}${s.closeCode ? ` closed ${describeClose(s.closeCode, s.closeReason)}` : ''}${s.error ? ` (${s.error})` : ''}`)
      .join(', ');
    const failed = this.recorder.httpFailures.filter((f) => f.t >= since);
    const requests = failed.length > 0 ? `; failed requests: ${describeFailures(failed)}` : '';
    throw new ProbeStepError('transport', `open chat: expected a WebSocket to receive a frame within ${timeoutMs} ms; ${tried ? `sockets: ${tried}` : 'no socket was opened'}${requests}`);
  }

  /** Waits until the run's final agent_completed arrived, or the socket carrying the chat broke for good. */
  async waitForRunEnd(timeoutMs: number): Promise<void> {
    const ended = await this.waitFor("the run's final agent_completed", () => this.finishWatcher.finished(this.evidence(), this.clock.now()), timeoutMs, RUN_END_RECHECK_MS);
    // The watcher already judged the run to know it completed: no second judgement of every frame here.
    if (ended && this.finishWatcher.completed) this.finalSeenAt = this.clock.now();
  }

  private judgeNow(): Verdict {
    return judge(this.evidence(), this.config.contract);
  }

  evidence(): Evidence {
    const c = this.config;
    return {
      nonce: this.nonce,
      message: this.message,
      userId: this.user.userId,
      userIdIsHint: this.user.userIdIsHint,
      sentAt: this.sentAt,
      log: this.log,
      sockets: this.recorder.sockets,
      httpSends: this.recorder.httpSends,
      httpFailures: this.recorder.httpFailures.filter((f) => f.t >= this.attemptStartedAt),
      page: this.sentAt === null ? null : this.pageText(this.pageAfter),
      stepFailures: this.stepFailures,
      budgets: budgetsOf(c),
      expectAnswer: c.expectAnswer,
      retries: this.retries,
      ...(this.lost ? { lost: this.lost } : {}),
    };
  }

  /** Judges and writes the run's files. Safe to call twice; the second call returns the first verdict. */
  async finish(page: Page | undefined): Promise<Verdict> {
    if (this.verdict) return this.verdict;
    const record = await this.conclude(page);
    await writeRunArtifacts(this.runDir, { ...this.runHeader(), ...record });
    return record.verdict;
  }

  /** The run-level part of result.json: when, where, preflight. */
  runHeader(): Omit<RunResult, keyof SessionRecord> {
    const preflight = this.preflight();
    return {
      schemaVersion: 1,
      startedAt: this.clock.startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      durationMs: this.clock.now(),
      target: targetOf(this.config, this.redactor, preflight),
      location: this.config.location,
      ...(preflight ? { preflight } : {}),
    };
  }

  /**
   * Judges this session and closes its recorder: its part of result.json. A run of several sessions writes
   * them together (run/sessions.ts); one session writes it through finish().
   */
  async conclude(page: Page | undefined): Promise<SessionRecord> {
    if (page && this.sentAt !== null && this.pageAfter === null && this.lost === undefined) {
      // A step broke before the answer was read: still record what the page shows, as evidence.
      this.pageAfter = this.redactedOrNull(await this.readPage(page));
    }
    this.watch?.stop();
    let verdict: Verdict;
    try {
      verdict = this.judgeNow();
    } catch (err) {
      verdict = couldNotJudge(`judge: ${(err as Error).message}`, this.config.contract);
    }
    const recorderProblem = await this.recorder.close().then(
      () => undefined,
      (err: Error) => err.message,
    );
    if (recorderProblem) verdict.warnings.push(recorderProblem);
    const preflight = this.preflight();
    if (preflight?.degraded) verdict.warnings.push(`preflight: ${preflight.message}`);
    this.verdict = this.redactor.redactValue(verdict);
    // Through the redactor again as a whole: a credential learned late may sit in a timeline row of before.
    return this.redactor.redactValue({
      message: this.message,
      nonce: this.nonce,
      userId: this.verdict.userId ?? this.user.userId,
      sentAt: this.sentAt,
      verdict: this.verdict,
      steps: this.steps,
      waits: this.waits,
      sockets: this.recorder.sockets,
      timeline: this.timeline.rows(this.recorder.sockets, this.sentAt),
      ...traceFields(this.traceContext, this.config.traceUrl),
    });
  }

  /** preflight.json, which the CLI wrote before the browser started: read once. */
  private preflight(): PreflightResult | undefined {
    this.preflightRead ??= { result: readPreflight(this.runDir) };
    return this.preflightRead.result;
  }

  /** What the cross-talk check needs of this session; after conclude(). */
  trace(): SessionTrace {
    const v = this.verdict;
    // Only the contract's agent events: a presence frame naming a colleague is not cross-talk.
    const agentTypes = agentEventTypes(this.config.contract);
    return {
      session: this.session.session,
      framesFile: this.framesFile,
      nonce: this.nonce,
      userId: v?.userId ?? this.user.userId,
      runId: v?.runId ?? null,
      threadId: v?.threadId ?? null,
      answer: v?.answer.frames ?? null,
      events: this.log.events.filter((e) => agentTypes.has(e.type)),
      nonceHits: this.nonceHits,
      pageAfter: this.pageAfter,
    };
  }
}

/** Errors raised by Playwright about the page (timeouts, navigation, detached elements), not by our code. */
function isPageError(err: unknown): boolean {
  if (err instanceof errors.TimeoutError) return true;
  return err instanceof Error && /^(page|locator|frame|browserContext|elementHandle|response|request)\.\w+:/.test(err.message);
}
