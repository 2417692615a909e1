// One session of a run: a page with its recorder, its user and its login, and the conversation it holds, turn
// after turn (turn.ts), then the reload that must bring the conversation back. The session owns what all its
// turns share: the frames, the sockets, the steps before the first send, the sight of the page. At the end it
// judges each turn, checks the conversation (same thread, a run a turn, kept after a reload) and returns its
// part of result.json; a run of one session writes it as it is (sessions.ts).

import { join } from 'node:path';
import { errors, type Page } from '@playwright/test';
import { historyDbSecret } from '../config/history-url';
import { budgetsOf, type ProbeConfig } from '../config/load';
import { describeClose } from '../contract/close-codes';
import { followUpCheck, persistedCheck, turnRunsCheck, type ReloadEvidence } from '../contract/checks/conversation';
import type { SessionTrace } from '../contract/checks/cross-talk';
import { describeFailures } from '../contract/checks/requests';
import { combine, withChecks } from '../contract/combine';
import { agentEventTypes } from '../contract/contract';
import { FrameLog } from '../contract/frame-log';
import { couldNotJudge, judge } from '../contract/judge';
import type { Check, FailureClass, LostSight, StepFailure, Verdict } from '../contract/types';
import type { LoginUser } from '../auth/token';
import { Clock } from '../capture/clock';
import { evaluateWithin, PageUnresponsive, PageWatch } from '../capture/page-health';
import { Recorder } from '../capture/recorder';
import { TraceContext, traceFields } from '../capture/trace-context';
import { visibleText } from '../capture/visible-text';
import { waitForTraffic } from '../capture/wait';
import { ProbeStepError } from '../errors';
import type { PreflightResult } from '../preflight/preflight';
import { Redactor } from '../redact';
import { framesFileOf, readPreflight, targetOf, type RunResult, type SessionRecord, type StepRecord, type TurnEntry, type WaitRecord } from '../report/result';
import { TimelineBuilder } from '../report/timeline';
import type { SendGate } from './send-gate';
import { newNonce, PAGE_POLL_MS, ProbeTurn, type StepLog } from './turn';

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

export class ProbeSession implements StepLog {
  readonly clock: Clock;
  readonly redactor: Redactor;
  readonly recorder: Recorder;
  /** W3C trace context on the session's requests to the target (PROBE_TRACE_PROPAGATION); undefined when off. */
  readonly traceContext: TraceContext | undefined;
  /** What the judge needs of the frames, kept as they arrive; frames.ndjson has the frames themselves. */
  readonly log: FrameLog;
  readonly framesFile: string;
  /** The steps before the first send (open, log in, open chat) and after the last turn (the reload). */
  readonly steps: StepRecord[] = [];
  readonly waits: WaitRecord[] = [];
  readonly stepFailures: StepFailure[] = [];
  readonly retries: StepFailure[] = [];
  readonly turns: ProbeTurn[] = [];
  /** The next turn's nonce, known before it is sent: the requests before the first send carry it (trace context). */
  private nextNonce = newNonce();
  /** When the attempt that reached the send started: failed requests before it belong to a retried attempt. */
  attemptStartedAt = 0;
  private readonly timeline = new TimelineBuilder();
  private user: LoginUser = { userId: null, userIdIsHint: false };
  /** Set when the probe lost sight of the page (it crashed or froze, the browser died): every wait ends. */
  private lost: LostSight | undefined;
  /** Settles when the probe loses sight of the page: a step under way stops at once. */
  private readonly lostSight: Promise<LostSight>;
  private onLostSight: (lost: LostSight) => void = () => undefined;
  private watch: PageWatch | undefined;
  /** What the reload brought back (PROBE_PERSISTENCE); undefined until the probe reloaded. */
  private reloaded: ReloadEvidence | undefined;
  /** Other sessions' nonces, and the received frames that carried one (cross-talk). */
  private foreignNonces: string[] = [];
  private readonly nonceHits: Array<{ nonce: string; frame: number }> = [];
  private readonly nonceHitCount = new Map<string, number>();
  private preflightRead: { result: PreflightResult | undefined } | undefined;
  private record: SessionRecord | undefined;

  constructor(
    readonly config: ProbeConfig,
    readonly runDir: string,
    readonly session: SessionOptions = { session: 1, sessions: 1, clock: new Clock(), secrets: [] },
  ) {
    this.clock = session.clock;
    this.lostSight = new Promise((resolve) => (this.onLostSight = resolve));
    this.framesFile = framesFileOf(session.session, session.sessions);
    this.redactor = new Redactor([config.password, config.bypassKey, config.token, historyDbSecret(config.historyDb), ...session.secrets]);
    const origins = new Set([config.appUrl, config.apiUrl, config.authUrl].map((u) => new URL(u).origin));
    // A request carries the nonce of the turn it serves: the next turn's before the first send.
    this.traceContext = config.tracePropagation ? new TraceContext(origins, this.clock, () => this.turns.at(-1)?.nonce ?? this.nextNonce) : undefined;
    this.log = new FrameLog(config.contract);
    this.recorder = new Recorder(this.clock, this.redactor, join(runDir, this.framesFile), '', origins, (frame) => {
      if (frame.dir === 'in' && this.foreignNonces.length > 0) this.noteForeignNonces(frame.payload, this.log.count);
      this.timeline.add(frame, this.log.add(frame));
    });
  }

  // ---- the conversation ----------------------------------------------------------------------------

  /** A new turn of the conversation, its message `text` (its nonce appended); its sends are the probe's own. */
  newTurn(text: string): ProbeTurn {
    const previous = this.turns.at(-1);
    const turn = new ProbeTurn(this, this.turns.length + 1, text, this.nextNonce);
    this.nextNonce = newNonce();
    this.log.watchNonce(turn.nonce);
    this.recorder.watchNonce(turn.nonce);
    this.foreignNonces = this.foreignNonces.filter((n) => n !== turn.nonce);
    // What comes after this turn's click is not the previous turn's.
    if (previous) previous.until = this.clock.now();
    this.turns.push(turn);
    return turn;
  }

  /** The nonces of this session's turns so far, for the other sessions' cross-talk check. */
  get nonces(): string[] {
    return this.turns.map((t) => t.nonce);
  }

  /** The other sessions' nonces, to be looked for in every frame this session's page receives. */
  watchForNonces(nonces: string[]): void {
    this.foreignNonces = nonces.filter((n) => !this.nonces.includes(n));
  }

  private noteForeignNonces(payload: string, frame: number): void {
    for (const nonce of this.foreignNonces) {
      if (!payload.includes(nonce)) continue;
      const seen = this.nonceHitCount.get(nonce) ?? 0;
      this.nonceHitCount.set(nonce, seen + 1);
      if (seen < NONCE_HITS_KEPT) this.nonceHits.push({ nonce, frame });
    }
  }

  setUser(user: LoginUser): void {
    this.user = user;
  }

  /** Who the session is logged in as, as every turn's evidence says it. */
  userEvidence(): { userId: string | null; userIdIsHint: boolean } {
    return { userId: this.user.userId, userIdIsHint: this.user.userIdIsHint };
  }

  /**
   * After the last turn: reloads the page and returns to the conversation as a user would, by the page's own
   * URL, else by its item in the conversation list (PROBE_THREAD_LIST_SELECTOR); then reads what the page
   * shows, and, where the profile knows it, the thread's stored history. Bounded by `timeoutMs` a wait.
   */
  async reload(page: Page, timeoutMs: number): Promise<void> {
    const turns = this.turns.filter((t) => t.sentAt !== null);
    const threadId = turns.map((t) => t.judge().threadId).find((id) => id !== null) ?? null;
    await page.reload({ timeout: timeoutMs });
    // Shown again as fast as an answer is: the render bound.
    const backWith = async (how: 'url' | 'list'): Promise<boolean> =>
      this.waitForPageText(
        page,
        (text) => turns.every((t) => text.includes(t.nonce)),
        this.config.renderTimeoutMs,
        `the conversation shown again (by ${how === 'url' ? "the page's URL" : 'the conversation list'})`,
      );
    let returnedBy: ReloadEvidence['returnedBy'] = (await backWith('url')) ? 'url' : null;
    if (returnedBy === null && threadId !== null && !this.pageLost) {
      // The page is loaded by now: the conversation's item is there, or the list does not have it.
      const item = page.locator(this.config.threadListSelector.replaceAll('{threadId}', threadId)).filter({ visible: true }).first();
      const clicked = (await item.count().catch(() => 0)) > 0 && (await item.click({ timeout: timeoutMs }).then(() => true, () => false));
      if (clicked && (await backWith('list'))) returnedBy = 'list';
    }
    const text = this.redactedOrNull(await this.readPage(page, undefined));
    this.reloaded = { returnedBy, page: text, ...(threadId !== null && this.config.threadMessagesUrl ? { stored: await this.storedHistory(page, threadId, timeoutMs) } : {}) };
  }

  /** The reload's check (every message and answer shown again); undefined before the probe reloaded. */
  persisted(): Check | undefined {
    if (this.reloaded === undefined) return undefined;
    return persistedCheck(this.turns.filter((t) => t.sentAt !== null).map((t) => t.trace()), this.reloaded).check;
  }

  /** The thread's history as the backend stores it, asked from the page with its own token (the profile's REST history). */
  private async storedHistory(page: Page, threadId: string, timeoutMs: number): Promise<{ texts: string[] } | { error: string }> {
    const url = this.config.threadMessagesUrl!.replaceAll('{api}', this.config.apiUrl).replaceAll('{threadId}', encodeURIComponent(threadId));
    const read = async ([target, key]: readonly [string, string]) => {
      const token = localStorage.getItem(key);
      const res = await fetch(target, { headers: token ? { Authorization: `Bearer ${token}` } : {}, credentials: 'include' });
      return { status: res.status, body: (await res.json().catch(() => null)) as unknown };
    };
    try {
      const answer = await evaluateWithin(page, read, [url, this.config.tokenStorageKey] as const, timeoutMs, 'the stored history');
      if (answer === null) return { error: 'the page could not ask it' };
      if (answer.status >= 400) return { error: `GET ${this.redactor.redact(url)} answered ${answer.status}` };
      return { texts: textsOf(answer.body).map((t) => this.redactor.redact(t)) };
    } catch (err) {
      return { error: (err as Error).message };
    }
  }

  /** Waits (reading the page every PAGE_POLL_MS, each read bounded) until `shown(text)`; recorded as a wait. */
  private async waitForPageText(page: Page, shown: (text: string) => boolean, timeoutMs: number, name: string): Promise<boolean> {
    const started = this.clock.now();
    let met = false;
    while (!met && !this.pageLost && this.clock.now() - started < timeoutMs) {
      const text = await this.readPage(page, undefined);
      met = text !== null && shown(text);
      if (!met) await waitForTraffic(this.recorder, () => this.pageLost, Math.min(PAGE_POLL_MS, Math.max(0, started + timeoutMs - this.clock.now())));
    }
    this.waits.push({ name, timeoutMs, met, tookMs: this.clock.now() - started, startMs: started });
    return met;
  }

  // ---- the page ------------------------------------------------------------------------------------

  /**
   * Watches the page from now on: a renderer crash, the probe's browser going away, and (from
   * expectResponsivePage on) a page that stops answering end every wait of the run at once.
   */
  watchPage(page: Page): void {
    const moment = () => {
      const turn = this.turns.at(-1);
      if (turn?.sentAt != null) return { at: turn.sentAt, label: turn.number === 1 ? 'the send' : `turn ${turn.number}'s send` };
      return turn?.clickedAt != null ? { at: turn.clickedAt, label: 'the click on send' } : null;
    };
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

  /** Whether the probe lost sight of the page (crashed, frozen, its browser gone): nothing more can be read of it. */
  get pageLost(): boolean {
    return this.lost !== undefined;
  }

  get lostSightNow(): LostSight | undefined {
    return this.lost;
  }

  /**
   * The page's visible text (within `selector`, by default the answer scope), every read bounded by
   * PROBE_UNRESPONSIVE_MS. A page that does not answer has stopped responding: the probe loses sight of it.
   */
  async readPage(page: Page, selector: string | undefined = this.config.answerSelector): Promise<string | null> {
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

  redactedOrNull(text: string | null): string | null {
    return text === null ? null : this.redactor.redact(text);
  }

  // ---- steps and waits -----------------------------------------------------------------------------

  /**
   * Runs one named step, recorded in `into` (the session's, or a turn's). A failure is recorded with its
   * class (the step's own class for errors of the page, `probe` for errors of the probe's code) and rethrown
   * with secrets removed, so the test report is clean.
   */
  async step<T>(name: string, failureClass: FailureClass, body: () => Promise<T>, into: StepLog = this): Promise<T> {
    const started = this.clock.now();
    const waitsBefore = into.waits.length;
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
      const unmet = into.waits.slice(waitsBefore).filter((w) => !w.met).map((w) => w.name);
      const durationMs = this.clock.now() - started;
      into.steps.push(unmet.length > 0 ? { name, status: 'unmet', durationMs, unmet, startMs: started } : { name, status: 'passed', durationMs, startMs: started });
      return result;
    } catch (err) {
      // Once the probe lost sight of the page, whatever a step then ran into is that, not a fault of its own.
      const cls = this.lost?.class ?? (err instanceof ProbeStepError ? err.failureClass : isPageError(err) ? failureClass : 'probe');
      const raw = err instanceof Error ? err.message : String(err);
      const message = this.redactor.redact(raw.startsWith(`${name}:`) ? raw : `${name}: ${raw}`).split('\n')[0]!;
      into.stepFailures.push({ step: name, class: cls, message });
      into.steps.push({ name, status: 'failed', durationMs: this.clock.now() - started, error: message, startMs: started });
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
          this.turns.length === 0 &&
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

  /** With several sessions: waits until every other session is ready to send too (bounded, recorded in `into`). */
  async waitForOtherSessions(gate: SendGate, timeoutMs: number, into: StepLog): Promise<void> {
    if (this.session.sessions === 1) return;
    const started = this.clock.now();
    const met = await gate.arrive(this, timeoutMs);
    into.waits.push({ name: 'the other sessions ready to send', timeoutMs, met, tookMs: this.clock.now() - started, startMs: started });
  }

  /**
   * A bounded wait on the traffic; its outcome is recorded (in `into`) so the report says what was waited for
   * and how long. It ends at once when the probe lost sight of the page (not met).
   */
  async waitFor(name: string, condition: () => boolean, timeoutMs: number, recheckMs?: number, into: StepLog = this): Promise<boolean> {
    const started = this.clock.now();
    await waitForTraffic(this.recorder, () => this.lost !== undefined || condition(), Math.max(0, timeoutMs), recheckMs);
    const met = this.lost === undefined && condition();
    into.waits.push({ name, timeoutMs, met, tookMs: this.clock.now() - started, startMs: started });
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

  // ---- the end -------------------------------------------------------------------------------------

  /** The run-level part of result.json: when, where, preflight. */
  runHeader(): Omit<RunResult, keyof SessionRecord> {
    const preflight = this.preflight();
    return {
      schemaVersion: 1,
      startedAt: this.clock.startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      durationMs: this.clock.now(),
      target: targetOf(this.config, this.redactor, preflight),
      journey: this.config.journey,
      location: this.config.location,
      ...(preflight ? { preflight } : {}),
    };
  }

  /**
   * Judges every turn and the conversation, closes the recorder: this session's part of result.json. Safe
   * to call twice: the second call returns the first record.
   */
  async conclude(page: Page | undefined): Promise<SessionRecord> {
    if (this.record) return this.record;
    // A step broke before an answer was read: still record what the page shows, as evidence.
    if (page) for (const t of this.turns) await t.readPageIfUnread(page);
    this.watch?.stop();
    this.traceContext?.stop();
    let verdict: Verdict;
    let decidingTurn: number | null = null;
    try {
      ({ verdict, decidingTurn } = this.judgeConversation());
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
    const sent = this.turns.filter((t) => t.sentAt !== null);
    // The turn that explains the verdict (the last one sent when all passed) is the one every reader shows.
    const shown = sent.find((t) => t.number === decidingTurn) ?? sent.at(-1) ?? this.turns.at(-1);
    const several = this.turns.length > 1;
    // Through the redactor as a whole: a credential learned late may sit in a timeline row of before.
    this.record = this.redactor.redactValue({
      message: shown?.message ?? this.config.message,
      nonce: shown?.nonce ?? '',
      userId: verdict.userId ?? this.turns[0]?.judge().userId ?? this.user.userId,
      sentAt: shown?.sentAt ?? null,
      verdict,
      // The session's own steps, each turn's in order, and the reload after them.
      steps: [...this.steps.filter((s) => !isAfterTurns(s)), ...this.turns.flatMap((t) => t.steps), ...this.steps.filter(isAfterTurns)],
      waits: [...this.waits.filter((w) => !isReloadWait(w)), ...this.turns.flatMap((t) => t.waits), ...this.waits.filter(isReloadWait)],
      sockets: this.recorder.sockets,
      timeline: this.timeline.rows(this.recorder.sockets, shown?.sentAt ?? null),
      ...(several ? { turns: this.turns.map((t) => this.turnEntry(t)), decidingTurn: shown?.number ?? 1 } : {}),
      ...traceFields(this.traceContext, this.config.traceUrl),
    });
    return this.record;
  }

  /** Each turn judged on its own; with several, the conversation's checks across them; the reload's after. */
  private judgeConversation(): { verdict: Verdict; decidingTurn: number | null } {
    const sent = this.turns.filter((t) => t.sentAt !== null || t.stepFailures.length > 0);
    // The probe never got to send: only the steps can be judged.
    if (sent.length === 0) return { verdict: judge(this.unsentEvidence(), this.config.contract), decidingTurn: null };
    const verdicts = sent.map((t) => t.judge());
    const traces = sent.map((t) => t.trace());
    const across: Array<{ check: Check; part: number | null }> = [];
    if (sent.length > 1) {
      across.push(followUpCheck(traces, sent.at(-1)!.pageAfter), turnRunsCheck(traces));
    }
    if (this.reloaded) across.push(persistedCheck(traces, this.reloaded));
    if (sent.length === 1) return { verdict: this.redactor.redactValue(withChecks(verdicts[0]!, across.map((a) => a.check))), decidingTurn: 1 };
    const combined = combine(verdicts, across, 'turn');
    return { verdict: this.redactor.redactValue({ ...combined.verdict, userId: verdicts[0]!.userId }), decidingTurn: combined.deciding };
  }

  /** The evidence of a session that never sent: its steps, what stopped it, the sockets it opened. */
  private unsentEvidence(): Parameters<typeof judge>[0] {
    return {
      ...this.userEvidence(),
      nonce: '',
      message: this.config.message,
      sentAt: null,
      log: this.log,
      sockets: this.recorder.sockets,
      httpSends: [],
      httpFailures: this.recorder.httpFailures.filter((f) => f.t >= this.attemptStartedAt),
      page: null,
      stepFailures: [...this.stepFailures, ...this.turns.flatMap((t) => t.stepFailures)],
      budgets: budgetsOf(this.config),
      retries: this.retries,
      ...(this.lost ? { lost: this.lost } : {}),
    };
  }

  private turnEntry(t: ProbeTurn): TurnEntry {
    return { turn: t.number, message: t.message, nonce: t.nonce, sentAt: t.sentAt, verdict: t.judge(), steps: t.steps, waits: t.waits };
  }

  /** preflight.json, which the CLI wrote before the browser started: read once. */
  private preflight(): PreflightResult | undefined {
    this.preflightRead ??= { result: readPreflight(this.runDir) };
    return this.preflightRead.result;
  }

  /** What the cross-talk check needs of this session; after conclude(). */
  trace(): SessionTrace {
    const first = this.turns[0]?.judge();
    const v = this.record?.verdict;
    // Only the contract's agent events: a presence frame naming a colleague is not cross-talk.
    const agentTypes = agentEventTypes(this.config.contract);
    return {
      session: this.session.session,
      framesFile: this.framesFile,
      nonce: this.turns[0]?.nonce ?? '',
      userId: v?.userId ?? this.user.userId,
      runId: first?.runId ?? null,
      threadId: first?.threadId ?? null,
      answer: first?.answer.frames ?? null,
      events: this.log.events.filter((e) => agentTypes.has(e.type)),
      nonceHits: this.nonceHits,
      pageAfter: this.turns.at(-1)?.pageAfter ?? null,
    };
  }
}

/** The reload's step and waits come after every turn's in the record. */
const RELOAD_STEP = 'reload the conversation';
const isAfterTurns = (s: StepRecord) => s.name === RELOAD_STEP;
const isReloadWait = (w: WaitRecord) => w.name.startsWith('the conversation shown again');
export { RELOAD_STEP };

/** The texts of a stored history's messages, whatever its shape: `{messages: [{content}]}`, a list, content blocks. */
function textsOf(body: unknown): string[] {
  const out: string[] = [];
  const walk = (v: unknown, depth: number) => {
    if (depth > 6) return;
    if (typeof v === 'string') out.push(v);
    else if (Array.isArray(v)) for (const x of v) walk(x, depth + 1);
    else if (typeof v === 'object' && v !== null) for (const x of Object.values(v)) walk(x, depth + 1);
  };
  walk(body, 0);
  return out;
}

/** Errors raised by Playwright about the page (timeouts, navigation, detached elements), not by our code. */
function isPageError(err: unknown): boolean {
  if (err instanceof errors.TimeoutError) return true;
  return err instanceof Error && /^(page|locator|frame|browserContext|elementHandle|response|request)\.\w+:/.test(err.message);
}
