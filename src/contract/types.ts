// The data that flows from the browser side (capture, driver) to the pure judge, and the verdict it returns.
// Everything here is plain JSON so that it can be written to disk and read back unchanged.

/** One WebSocket frame as the recorder saw it; one line of frames.ndjson. */
export interface FrameRecord {
  /** Milliseconds since the probe started (monotonic clock). */
  t: number;
  /** Index of the page's socket the frame travelled on: 0 for the first socket the page opened, 1 for the next... */
  socket: number;
  /** `in`: the browser received it; `out`: the browser sent it. */
  dir: 'in' | 'out';
  /** `text` frames carry the text; `binary` frames carry UTF-8 text when they decode as such, else base64. */
  kind: 'text' | 'binary';
  /** For binary frames: how `payload` is encoded. */
  encoding?: 'utf8' | 'base64';
  /** The payload, secrets already redacted. */
  payload: string;
}

/** The life of one socket of the page. */
export interface SocketRecord {
  socket: number;
  /** The socket's URL, secrets (tickets, tokens) redacted. */
  url: string;
  openedAt: number;
  /** When the socket closed, if it did during the run. */
  closedAt?: number;
  /** Close code and reason as the page saw them (1006 when the connection dropped or the upgrade failed). */
  closeCode?: number;
  closeReason?: string;
  /** An error the page reported on this socket (failed upgrade, ...). */
  error?: string;
}

/** An HTTP request the page sent that carried the probe's message (REST send path). */
export interface HttpSendRecord {
  t: number;
  url: string;
  /** The request body as JSON when it parses, secrets redacted. */
  body: unknown;
}

/** A request to one of the target's hosts that failed: a 5xx answer, or no answer at all (network error). */
export interface HttpFailureRecord {
  t: number;
  method: string;
  /** The URL without its query string (tickets and tokens travel there), secrets redacted. */
  url: string;
  /** The HTTP status of a 5xx answer; absent when the request got no answer. */
  status?: number;
  /** Why the request got no answer (`net::ERR_CONNECTION_REFUSED`, ...). */
  error?: string;
}

/** What the page showed a person: visible text only (never hidden nodes), within `scope`. */
export interface PageText {
  /** `the page` (its whole visible text), or the answer selector (PROBE_ANSWER_SELECTOR) whose matches were read. */
  scope: string;
  /** The visible text just before the send; null when it could not be read. */
  before: string | null;
  /** The visible text at the end of the run; null when it could not be read. */
  after: string | null;
  /**
   * When the probe first saw each of the run's answers visible and new (ms, same clock as frames), by
   * `answerKey`: the time the user had the answer. Absent when the page was read only once.
   */
  firstSeen?: Record<string, number>;
}

/** A step of the probe that could not complete (login, navigation, waits). The judge turns it into a check. */
export interface StepFailure {
  step: string;
  class: FailureClass;
  message: string;
}

/** Time budgets, in ms since the message was sent. */
export interface Budgets {
  firstEventWarnMs: number;
  firstEventMs: number;
  completeWarnMs: number;
  completeMs: number;
}

/** All the facts the browser gathered for one probe run. Input of the judge. */
export interface Evidence {
  /** The unique marker put in the message; lets the judge find the probe's own send. */
  nonce: string;
  /** The full message the probe sent. */
  message: string;
  /** The user the probe logged in as, when known: from the login's response, else a claim of its token. */
  userId: string | null;
  /**
   * True when `userId` is only a hint (a token's `sub`, which an external identity provider sets to its own
   * id): the judge takes the platform's own id when the platform says it (connection_established, the
   * events of the probe's thread).
   */
  userIdIsHint?: boolean;
  /** When the probe clicked send (ms, same clock as frames); null when it never got to send. */
  sentAt: number | null;
  /**
   * The frames, either as they came (`frames`: tests, short runs) or already logged as they arrived (`log`:
   * the probe, which never holds every frame). The judge reads `log` when it is there.
   */
  frames?: FrameRecord[];
  log?: FrameEvidence;
  sockets: SocketRecord[];
  httpSends: HttpSendRecord[];
  /** Failed requests to the target's hosts since the chat was opened (the attempt that sent); absent: none recorded. */
  httpFailures?: HttpFailureRecord[];
  /** What the page showed; null when the probe never read it (the protocol probe has no page). */
  page: PageText | null;
  /** Steps that failed before the judge could see a full run; empty on a run that reached the end. */
  stepFailures: StepFailure[];
  budgets: Budgets;
  /** Regular expression source the answer must match (PROBE_EXPECT_ANSWER), if set. */
  expectAnswer?: string;
  /** Failures before the send that the retry policy retried (PROBE_RETRIES_BEFORE_SEND). */
  retries?: StepFailure[];
  /**
   * Where the evidence was gathered: `browser` (default) judges the rendered page too; `protocol` (the
   * browserless probe, which has no page) leaves the page checks out and says so in the verdict.
   */
  surface?: 'browser' | 'protocol';
  /** The next turn's send, when a conversation goes on: what comes from then on is not this run's. */
  until?: number;
  /**
   * When the probe lost sight of the run (its page crashed or stopped responding, its own browser died):
   * nothing after `at` could be seen, so what is missing is blamed on that, with its class, not on the run.
   */
  lost?: LostSight;
}

/** Why the probe saw nothing more of a run from some moment on. */
export interface LostSight {
  /** ms, same clock as frames. */
  at: number;
  /** `ui-render` (the page crashed or froze: a user would see it too) or `probe` (the probe's own browser). */
  class: FailureClass;
  message: string;
}

/** Evidence that carries its frames as they came: tests, and the protocol probe, whose runs are short. */
export type FramedEvidence = Evidence & { frames: FrameRecord[] };

/** What the judge needs of the frames, kept as they arrive (FrameLog, under the judge's contract). */
export interface FrameEvidence {
  /** Every agent event received, in arrival order. */
  readonly events: AgentEvent[];
  /** Outgoing frames that carry the probe's nonce. */
  readonly sent: FrameRecord[];
  /** Frames seen, both directions. */
  readonly count: number;
  /** How many frames each socket received: the sockets that carried something. */
  readonly receivedBySocket: ReadonlyMap<number, number>;
  /** The user ids that connection frames (connection_established) announced, as sent (`a1b2c3d4...` included). */
  readonly connectionUserIds: readonly string[];
  /** Bad frames, as warning lines. */
  warnings(): string[];
}

/** One agent event, normalized from whatever shape it had on the wire. */
export interface AgentEvent {
  /** Canonical event type (`agent_started`, ..., or any other type the wire carried). */
  type: string;
  /** ms, same clock as frames. */
  t: number;
  socket: number;
  /** Index of the frame among all the run's frames (the line of frames.ndjson, from 0). */
  frame: number;
  runId?: string;
  threadId?: string;
  userId?: string;
  agentName?: string;
  toolName?: string;
  callId?: string;
  /** The answer carried by an agent_completed / agent_response / final_report, or a chunk's text (the judge decides which completion is final). */
  answer?: string;
  /** A completion's status line (`message`), which is its answer only when the run has no other. */
  status?: string;
  /** A chunk (partial_result, stream_chunk) marked complete: it holds a whole answer by itself. */
  complete?: true;
  /** What an error event (`agent_error`, ...) says went wrong, when it says it. */
  errorMessage?: string;
  /** Which wire shape it came in: `bridge` ({type, data}), `flat`, `wrapper` ({type:system_message, event, payload}). */
  shape: string;
  /** A digest of the frame's payload: two events with one digest are the same event received twice. */
  digest: string;
}

export type Status = 'pass' | 'degraded' | 'fail' | 'error';

export type FailureClass =
  | 'missing-event'
  | 'order'
  | 'pairing'
  | 'timeout'
  | 'transport'
  | 'auth'
  | 'isolation'
  | 'fallback-stub'
  | 'ui-render'
  | 'persistence'
  | 'error-event'
  | 'config'
  | 'probe';

export interface Check {
  /** Stable name, e.g. `events-present`, `first-started`, `tool-pairing`. */
  name: string;
  status: 'pass' | 'warn' | 'fail';
  /** The failure class this check reports when it fails. */
  class: FailureClass;
  expected: string;
  seen: string;
  /** Where to look: frame indexes, a socket, a step. */
  evidence?: string;
}

export interface EventTiming {
  type: string;
  /** ms from the send to the first time this event of the run was seen; null when never seen. */
  firstSeenMs: number | null;
  count: number;
}

export interface Verdict {
  status: Status;
  /** The failure class when status is `fail` or `error`; null otherwise. */
  class: FailureClass | null;
  /** One line: what failed, expected vs seen; or what passed. */
  message: string;
  checks: Check[];
  /** The five required events, in contract order, then any other event types of the run. */
  events: EventTiming[];
  runId: string | null;
  threadId: string | null;
  /** The user the run was judged for: the platform's own id where it said it, else the login's. */
  userId?: string | null;
  /**
   * `frames`: the run's answer (the one the page showed, when it showed one); `page`: what the page showed of it
   * (the matched answer, else an excerpt of its visible text); `matched`: which answer the page showed
   * (`agent_response`, `final_report`, `the final agent_completed`), absent when none.
   */
  answer: { frames: string | null; page: string | null; matched?: string };
  /** ms from the send: first agent_started, final agent_completed, and the answer visible in the page. */
  timings: { firstEventMs: number | null; completeMs: number | null; answerVisibleMs?: number | null };
  /** Things that did not fail the run but deserve a look (a malformed frame, a duplicate event...). */
  warnings: string[];
  /** Failures before the send that were retried; the verdict is of the attempt that followed. */
  retries: StepFailure[];
}
