// The recorder: every WebSocket of the page, both directions, text and binary, streamed to frames.ndjson as
// it arrives and handed to a sink (the frame log and the timeline), never all kept in memory. It attaches
// before the first navigation, so that no socket the app opens at load time is missed.
//
// Frames come from the DevTools protocol (Chromium's Network domain), not from Playwright's WebSocket events:
// they carry the time the browser received each frame. Under a flood the probe's process reads frames
// seconds after the browser got them; a time taken on reading would put the run's end seconds late.
// Neither reports close codes, so a small init script observes the page's own WebSocket objects and reports
// open/close/error (with code and reason) back.

import { createWriteStream, type WriteStream } from 'node:fs';
import type { Page, Request } from '@playwright/test';
import { pageDevtools, type PageDevtools } from './devtools';
import type { FrameRecord, HttpFailureRecord, HttpSendRecord, SocketRecord } from '../contract/types';
import { redactFile, watchCredentials, watchSetCookies } from './credentials';
import type { Redactor } from '../redact';
import type { Clock } from './clock';
import { pageSocketObserver, SOCKET_BINDING, type PageSocketEvent } from './page-socket-observer';

type Listener = () => void;

/**
 * frames.ndjson is written at the end of the event loop's turn that brought frames, at most once every
 * WRITE_EVERY_MS, and at once past WRITE_BYTES: a quiet run's frames are on disk at once (a run killed a
 * moment later keeps them), a flood's in a few writes a second instead of one every few frames.
 */
const WRITE_EVERY_MS = 20;
const WRITE_BYTES = 64 * 1024;

/** Where each frame goes once written to frames.ndjson. */
export type FrameSink = (frame: FrameRecord) => void;

/** The DevTools protocol's WebSocket frame, as Network.webSocketFrameReceived/Sent carries it. */
interface CdpFrame {
  requestId: string;
  /** Seconds, the browser's monotonic clock. */
  timestamp: number;
  response: { opcode: number; payloadData: string };
}

export class Recorder {
  readonly sockets: SocketRecord[] = [];
  readonly httpSends: HttpSendRecord[] = [];
  /** Requests to the target's hosts that answered 5xx or got no answer: why a chat may never have connected. */
  readonly httpFailures: HttpFailureRecord[] = [];
  private readonly out: WriteStream;
  private readonly listeners = new Set<Listener>();
  /** Lines of frames.ndjson not yet given to the stream (WRITE_EVERY_MS). */
  private unwritten = '';
  private writeTimer: NodeJS.Timeout | undefined;
  private lastWriteAt = -Infinity;
  /** A turn of the event loop is scheduled to tell the listeners. */
  private scheduled = false;
  /** Page-side socket events not yet matched to a browser socket (the two arrive in either order). */
  private readonly pendingPageEvents: PageSocketEvent[] = [];
  /** The page's socket ids, bound to the browser's sockets in order of creation (per URL). */
  private readonly byPageId = new Map<string, SocketRecord>();
  /** Browser sockets already bound to a page socket. */
  private readonly boundSockets = new Set<number>();
  private writeError: Error | undefined;
  /** Unredacted socket URLs, by socket index, only to match page-side events; never written anywhere. */
  private readonly rawUrls: string[] = [];
  /** The page's sockets by their DevTools request id. */
  private readonly byRequestId = new Map<string, SocketRecord>();
  /**
   * Chromium's monotonic clock (DevTools timestamps) on the probe's: the smallest delay seen between an
   * event's timestamp and its arrival here. Every event arrives after it happened, so a time mapped through
   * it is never earlier than the truth (a send never before the probe clicked), and it tightens as events come.
   * The two processes' wall clocks are not used: Chromium's handshake `wallTime` was seen tens of ms apart
   * from its `timestamp` under load, which put the probe's own send before the click.
   */
  private browserOffsetMs: number | null = null;
  /** The last browser time given: events arrive in order, and so do their times. */
  private lastBrowserTime = 0;
  /** What the redactor knew when the first frame was written: anything learned later is taken out at close. */
  private learnedAtFirstFrame: number | undefined;

  /** The probe's nonces, one a turn: a request carrying one is the probe's own send. */
  private readonly nonces: string[] = [];

  constructor(
    private readonly clock: Clock,
    private readonly redactor: Redactor,
    private readonly framesPath: string,
    /** Marks the probe's own message in outgoing HTTP requests (the REST send path); a turn adds its own (watchNonce). */
    nonce: string,
    /** Origins of the target's hosts (app, API, auth): only their failed requests are evidence. */
    private readonly targetOrigins: ReadonlySet<string>,
    private readonly sink: FrameSink,
  ) {
    this.nonces.push(nonce);
    this.out = createWriteStream(framesPath, { flags: 'w' });
    this.out.on('error', (err) => (this.writeError = err));
  }

  /**
   * Must run before the page's first navigation. Chromium only: the frames come from its DevTools protocol
   * (capture/devtools.ts: Playwright's own session where it can be reached, else one of the probe's).
   */
  async attach(page: Page): Promise<void> {
    await watchCredentials(page, this.redactor);
    await page.exposeBinding(SOCKET_BINDING, (_source, event: PageSocketEvent) => this.onPageSocketEvent(event));
    await page.addInitScript(pageSocketObserver);
    await this.listenToSockets(await pageDevtools(page));
    page.on('request', (req) => this.onRequest(req));
    page.on('response', (res) => {
      if (res.status() >= 500) this.onHttpFailure(res.request(), { status: res.status() });
    });
    page.on('requestfailed', (req) => {
      const error = req.failure()?.errorText ?? 'no answer';
      // A request the page itself cancelled (a navigation, an aborted fetch) did not fail.
      if (error !== 'net::ERR_ABORTED') this.onHttpFailure(req, { error });
    });
  }

  /** A further turn's nonce: its requests are the probe's own sends too. */
  watchNonce(nonce: string): void {
    if (!this.nonces.includes(nonce)) this.nonces.push(nonce);
  }

  /** Calls `listener` after every new frame or socket change; returns the unsubscribe function. */
  onChange(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Tells the waiters to look again: something they wait on changed outside the traffic (the page crashed). */
  notify(): void {
    this.changed();
  }

  /** Flushes frames.ndjson; reports a failed write instead of losing it silently. */
  async close(): Promise<void> {
    this.write();
    await new Promise<void>((resolve) => this.out.end(resolve));
    if (this.writeError) throw new Error(`frames.ndjson could not be written: ${this.writeError.message}`);
    if (this.redactor.known > (this.learnedAtFirstFrame ?? Infinity)) await redactFile(this.framesPath, this.redactor);
  }

  private async listenToSockets({ events: cdp, start }: PageDevtools): Promise<void> {
    cdp.on('Network.webSocketCreated', ({ requestId, url }) => this.onSocket(requestId, url));
    cdp.on('Network.webSocketWillSendHandshakeRequest', ({ requestId, timestamp }) => {
      const record = this.byRequestId.get(requestId);
      if (record) record.openedAt = this.browserTime(timestamp);
    });
    watchSetCookies(cdp, this.redactor);
    cdp.on('Network.webSocketFrameReceived', (e) => this.onFrame('in', e));
    cdp.on('Network.webSocketFrameSent', (e) => this.onFrame('out', e));
    cdp.on('Network.webSocketFrameError', ({ requestId, errorMessage }) => {
      const record = this.byRequestId.get(requestId);
      if (!record) return;
      record.error = this.redactor.redact(errorMessage);
      this.changed();
    });
    cdp.on('Network.webSocketClosed', ({ requestId, timestamp }) => {
      const record = this.byRequestId.get(requestId);
      if (!record) return;
      record.closedAt ??= this.browserTime(timestamp);
      this.changed();
    });
    await start();
  }

  /** When the browser saw it (a DevTools timestamp, in s), on the probe's clock; never later than now. */
  private browserTime(timestamp: number): number {
    const now = this.clock.now();
    const delay = now - timestamp * 1000;
    this.browserOffsetMs = this.browserOffsetMs === null ? delay : Math.min(this.browserOffsetMs, delay);
    const t = Math.max(this.lastBrowserTime, Math.round((timestamp * 1000 + this.browserOffsetMs) * 10) / 10);
    this.lastBrowserTime = t;
    return t;
  }

  private onSocket(requestId: string, url: string): void {
    const record: SocketRecord = { socket: this.sockets.length, url: this.redactor.redact(url), openedAt: this.clock.now() };
    this.sockets.push(record);
    this.rawUrls.push(url);
    this.byRequestId.set(requestId, record);
    this.matchPageEvents();
    this.changed();
  }

  private onFrame(dir: 'in' | 'out', { requestId, timestamp, response }: CdpFrame): void {
    const record = this.byRequestId.get(requestId);
    // Text (1) and binary (2) frames; Chromium reports no other opcode, and a frame of no socket is not the page's.
    if (!record || (response.opcode !== 1 && response.opcode !== 2)) return;
    const t = this.browserTime(timestamp);
    const socket = record.socket;
    const frame: FrameRecord =
      response.opcode === 1
        ? { t, socket, dir, kind: 'text', payload: this.redactor.redact(response.payloadData) }
        : { t, socket, dir, kind: 'binary', ...decodeBinary(Buffer.from(response.payloadData, 'base64'), this.redactor) };
    this.learnedAtFirstFrame ??= this.redactor.known;
    this.unwritten += JSON.stringify(frame) + '\n';
    if (this.unwritten.length >= WRITE_BYTES) this.write();
    this.sink(frame);
    this.changed();
  }

  private onRequest(req: Request): void {
    const body = req.postData();
    if (!body || !this.nonces.some((n) => body.includes(n))) return;
    let parsed: unknown = body;
    try {
      parsed = JSON.parse(body);
    } catch {
      // A non-JSON body is kept as text.
    }
    this.httpSends.push({ t: this.clock.now(), url: this.redactor.redact(req.url()), body: this.redactor.redactValue(parsed) });
    this.changed();
  }

  private onHttpFailure(req: Request, outcome: { status: number } | { error: string }): void {
    let url: URL;
    try {
      url = new URL(req.url());
    } catch {
      return;
    }
    if (!this.targetOrigins.has(url.origin)) return;
    // The query string is left out: tickets and tokens travel there.
    const record: HttpFailureRecord = { t: this.clock.now(), method: req.method(), url: this.redactor.redact(`${url.origin}${url.pathname}`) };
    if ('status' in outcome) record.status = outcome.status;
    else record.error = this.redactor.redact(outcome.error);
    this.httpFailures.push(record);
    this.changed();
  }

  private onPageSocketEvent(event: PageSocketEvent): void {
    this.pendingPageEvents.push({ ...event, t: this.clock.now() });
    this.matchPageEvents();
    this.changed();
  }

  /**
   * Applies page-side events to their socket. The page numbers its sockets; the k-th socket the page created
   * with a URL is the k-th the browser reported with that URL (both in order of creation), so a close goes to
   * its own socket even when two sockets share a URL.
   */
  private matchPageEvents(): void {
    for (let i = 0; i < this.pendingPageEvents.length; ) {
      const event = this.pendingPageEvents[i]!;
      if (event.kind === 'created' && !this.byPageId.has(event.id)) {
        const target = this.sockets.find((s) => this.rawUrls[s.socket] === event.url && !this.boundSockets.has(s.socket));
        if (target) {
          this.byPageId.set(event.id, target);
          this.boundSockets.add(target.socket);
        }
      }
      const target = this.byPageId.get(event.id);
      if (!target) {
        i++;
        continue;
      }
      if (event.kind === 'close') {
        target.closeCode = event.code;
        target.closeReason = this.redactor.redact(event.reason ?? '');
        target.closedAt ??= event.t;
      } else if (event.kind === 'error') {
        target.error ??= 'the page reported an error on this socket';
      }
      this.pendingPageEvents.splice(i, 1);
    }
  }

  /**
   * Something changed: once this turn of the event loop is over, the listeners are told, once for all the
   * frames that arrived in it. Under a flood Chromium's events come hundreds at a time; a wait's condition
   * looked at after each of them cost more than the frames themselves.
   */
  private changed(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.writeSoon();
      for (const listener of this.listeners) listener();
    });
  }

  /** Writes the new lines now, or when WRITE_EVERY_MS since the last write has passed. */
  private writeSoon(): void {
    if (this.unwritten === '' || this.writeTimer !== undefined) return;
    const wait = this.lastWriteAt + WRITE_EVERY_MS - performance.now();
    if (wait <= 0) this.write();
    else this.writeTimer = setTimeout(() => this.write(), wait);
  }

  /** Gives the lines not yet written to the stream: one write for many frames, not one a frame. */
  private write(): void {
    clearTimeout(this.writeTimer);
    this.writeTimer = undefined;
    this.lastWriteAt = performance.now();
    if (this.unwritten === '') return;
    this.out.write(this.unwritten);
    this.unwritten = '';
  }
}

/** Binary frames are kept as text when they are UTF-8 (JSON sent as bytes), else as base64. */
function decodeBinary(payload: Buffer, redactor: Redactor): Pick<FrameRecord, 'payload' | 'encoding'> {
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(payload);
    return { encoding: 'utf8', payload: redactor.redact(text) };
  } catch {
    return { encoding: 'base64', payload: payload.toString('base64') };
  }
}
