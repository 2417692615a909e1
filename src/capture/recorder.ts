// The recorder: every WebSocket of the page, both directions, text and binary, with a monotonic timestamp,
// streamed to frames.ndjson as it arrives. It attaches before the first navigation, so that no socket the
// app opens at load time is missed. Playwright reports frames but not close codes, so a small init script
// observes the page's own WebSocket objects and reports open/close/error (with code and reason) back.

import { createWriteStream, type WriteStream } from 'node:fs';
import type { Page, Request, WebSocket } from '@playwright/test';
import type { FrameRecord, HttpFailureRecord, HttpSendRecord, SocketRecord } from '../contract/types';
import type { Redactor } from '../redact';
import type { Clock } from './clock';
import { pageSocketObserver, SOCKET_BINDING, type PageSocketEvent } from './page-socket-observer';

type Listener = () => void;

export class Recorder {
  readonly frames: FrameRecord[] = [];
  readonly sockets: SocketRecord[] = [];
  readonly httpSends: HttpSendRecord[] = [];
  /** Requests to the target's hosts that answered 5xx or got no answer: why a chat may never have connected. */
  readonly httpFailures: HttpFailureRecord[] = [];
  private readonly out: WriteStream;
  private readonly listeners = new Set<Listener>();
  /** Page-side socket events not yet matched to a Playwright socket (they can arrive in either order). */
  private readonly pendingPageEvents: PageSocketEvent[] = [];
  private writeError: Error | undefined;
  /** Unredacted socket URLs, by socket index, only to match page-side events; never written anywhere. */
  private readonly rawUrls: string[] = [];

  constructor(
    private readonly clock: Clock,
    private readonly redactor: Redactor,
    framesPath: string,
    /** Marks the probe's own message in outgoing HTTP requests (the REST send path). */
    private readonly nonce: string,
    /** Origins of the target's hosts (app, API, auth): only their failed requests are evidence. */
    private readonly targetOrigins: ReadonlySet<string>,
  ) {
    this.out = createWriteStream(framesPath, { flags: 'w' });
    this.out.on('error', (err) => (this.writeError = err));
  }

  /** Must run before the page's first navigation. */
  async attach(page: Page): Promise<void> {
    await page.exposeBinding(SOCKET_BINDING, (_source, event: PageSocketEvent) => this.onPageSocketEvent(event));
    await page.addInitScript(pageSocketObserver);
    page.on('websocket', (ws) => this.onSocket(ws));
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

  /** Calls `listener` after every new frame or socket change; returns the unsubscribe function. */
  onChange(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Flushes frames.ndjson; reports a failed write instead of losing it silently. */
  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.out.end(resolve));
    if (this.writeError) throw new Error(`frames.ndjson could not be written: ${this.writeError.message}`);
  }

  private onSocket(ws: WebSocket): void {
    const record: SocketRecord = { socket: this.sockets.length, url: this.redactor.redact(ws.url()), openedAt: this.clock.now() };
    this.sockets.push(record);
    this.rawUrls.push(ws.url());
    this.matchPageEvents();
    ws.on('framereceived', (f) => this.onFrame(record.socket, 'in', f.payload));
    ws.on('framesent', (f) => this.onFrame(record.socket, 'out', f.payload));
    ws.on('socketerror', (message) => {
      record.error = this.redactor.redact(message);
      this.changed();
    });
    ws.on('close', () => {
      record.closedAt ??= this.clock.now();
      this.changed();
    });
    this.changed();
  }

  private onFrame(socket: number, dir: 'in' | 'out', payload: string | Buffer): void {
    const frame: FrameRecord =
      typeof payload === 'string'
        ? { t: this.clock.now(), socket, dir, kind: 'text', payload: this.redactor.redact(payload) }
        : { t: this.clock.now(), socket, dir, kind: 'binary', ...decodeBinary(payload, this.redactor) };
    this.frames.push(frame);
    this.out.write(JSON.stringify(frame) + '\n');
    this.changed();
  }

  private onRequest(req: Request): void {
    const body = req.postData();
    if (!body || !body.includes(this.nonce)) return;
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

  /** Applies page-side events to the socket with the same URL that has not yet seen that kind of event. */
  private matchPageEvents(): void {
    for (let i = 0; i < this.pendingPageEvents.length; ) {
      const event = this.pendingPageEvents[i]!;
      const target = this.sockets.find((s) =>
        this.rawUrls[s.socket] === event.url && (event.kind === 'close' ? s.closeCode === undefined : event.kind === 'error' ? s.error === undefined : true),
      );
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

  private changed(): void {
    for (const listener of this.listeners) listener();
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
