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
import { matchPage } from '../contract/checks/answer';
import { couldNotJudge, judge, runAnswers } from '../contract/judge';
import type { Evidence, FailureClass, StepFailure, Verdict } from '../contract/types';
import { answerScope, visibleText, waitForVisibleText } from '../capture/chat';
import { Clock } from '../capture/clock';
import { Recorder } from '../capture/recorder';
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

export class ProbeRun {
  readonly clock: Clock;
  readonly redactor: Redactor;
  readonly nonce = randomBytes(6).toString('hex');
  readonly message: string;
  readonly recorder: Recorder;
  /** What the judge needs of the frames, kept as they arrive; frames.ndjson has the frames themselves. */
  private readonly log: FrameLog;
  private readonly timeline = new TimelineBuilder();
  private userId: string | null = null;
  private sentAt: number | null = null;
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
    this.framesFile = framesFileOf(session.session, session.sessions);
    this.redactor = new Redactor([config.password, config.bypassKey, config.token, historyDbSecret(config.historyDb), ...session.secrets]);
    this.message = `${config.message} [probe ${this.nonce}]`;
    this.finishWatcher = new FinishWatcher(config.contract);
    const origins = new Set([config.appUrl, config.apiUrl, config.authUrl].map((u) => new URL(u).origin));
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

  setUser(userId: string | null): void {
    this.userId = userId;
  }

  markSent(): void {
    this.sentAt = this.clock.now();
  }

  /** Reads what the page shows before the send: an answer visible already then does not count as this run's. */
  async readPageBeforeSend(page: Page): Promise<void> {
    this.pageBefore = await this.readPage(page);
  }

  /**
   * After the final agent_completed: waits until one of the run's answers becomes visible in the page (bounded
   * by PROBE_RENDER_TIMEOUT_MS) and, beside it, keeps listening PROBE_FINAL_GRACE_MS for late events, so that
   * a tool_completed just after the final is judged as out of order rather than missing.
   */
  async waitForAnswerAndLateEvents(page: Page): Promise<void> {
    const grace = this.finalSeenAt === null ? 0 : Math.max(0, this.finalSeenAt + this.config.finalGraceMs - this.clock.now());
    // A listening window, not a condition: it is met by running its course.
    const late = waitForTraffic(this.recorder, () => false, grace).then(() =>
      this.waits.push({ name: 'listening for late events after the final agent_completed (PROBE_FINAL_GRACE_MS)', timeoutMs: grace, met: true, tookMs: grace }),
    );
    const candidates = runAnswers(this.evidence(), this.config.contract);
    const before = this.pageBefore;
    const shown = (text: string) => matchPage(candidates, { scope: '', before, after: text }).shown !== null;
    // With no answer in the frames there is nothing to wait for: what the page shows now is the evidence.
    const timeout = candidates.length === 0 ? 0 : this.config.renderTimeoutMs;
    const started = this.clock.now();
    const text = await waitForVisibleText(page, this.config.answerSelector, shown, timeout);
    this.pageAfter = text === null ? null : this.redactor.redact(text);
    this.waits.push({ name: `one of the run's answers visible in ${answerScope(this.config.answerSelector)}`, timeoutMs: timeout, met: text !== null && shown(text), tookMs: this.clock.now() - started });
    await late;
  }

  private async readPage(page: Page): Promise<string | null> {
    const text = await visibleText(page, this.config.answerSelector);
    return text === null ? null : this.redactor.redact(text);
  }

  /**
   * Runs one named step. A failure is recorded with its class (the step's own class for errors of the page,
   * `probe` for errors of the probe's code) and rethrown with secrets removed, so the test report is clean.
   */
  async step<T>(name: string, failureClass: FailureClass, body: () => Promise<T>): Promise<T> {
    const started = this.clock.now();
    try {
      const result = await body();
      this.steps.push({ name, status: 'passed', durationMs: this.clock.now() - started });
      return result;
    } catch (err) {
      const cls = err instanceof ProbeStepError ? err.failureClass : isPageError(err) ? failureClass : 'probe';
      const raw = err instanceof Error ? err.message : String(err);
      const message = this.redactor.redact(raw.startsWith(`${name}:`) ? raw : `${name}: ${raw}`).split('\n')[0]!;
      this.stepFailures.push({ step: name, class: cls, message });
      this.steps.push({ name, status: 'failed', durationMs: this.clock.now() - started, error: message });
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
    this.waits.push({ name: 'the other sessions ready to send', timeoutMs, met, tookMs: this.clock.now() - started });
  }

  /** A bounded wait on the traffic; its outcome is recorded so the report says what was waited for and how long. */
  async waitFor(name: string, condition: () => boolean, timeoutMs: number): Promise<boolean> {
    const started = this.clock.now();
    const met = await waitForTraffic(this.recorder, condition, Math.max(0, timeoutMs));
    this.waits.push({ name, timeoutMs, met, tookMs: this.clock.now() - started });
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
    const ended = await this.waitFor("the run's final agent_completed", () => this.finishWatcher.finished(this.evidence()), timeoutMs);
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
      userId: this.userId,
      sentAt: this.sentAt,
      log: this.log,
      sockets: this.recorder.sockets,
      httpSends: this.recorder.httpSends,
      httpFailures: this.recorder.httpFailures.filter((f) => f.t >= this.attemptStartedAt),
      page: this.sentAt === null ? null : { scope: answerScope(c.answerSelector), before: this.pageBefore, after: this.pageAfter },
      stepFailures: this.stepFailures,
      budgets: budgetsOf(c),
      expectAnswer: c.expectAnswer,
      retries: this.retries,
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
    if (page && this.sentAt !== null && this.pageAfter === null) {
      // A step broke before the answer was read: still record what the page shows, as evidence.
      this.pageAfter = await this.readPage(page);
    }
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
      userId: this.userId,
      sentAt: this.sentAt,
      verdict: this.verdict,
      steps: this.steps,
      waits: this.waits,
      sockets: this.recorder.sockets,
      timeline: this.timeline.rows(this.recorder.sockets, this.sentAt),
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
    return {
      session: this.session.session,
      framesFile: this.framesFile,
      nonce: this.nonce,
      userId: this.userId,
      runId: v?.runId ?? null,
      threadId: v?.threadId ?? null,
      answer: v?.answer.frames ?? null,
      events: this.log.events,
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
