// W3C trace context on every request a session's browser makes to the target's origins (app, API, auth):
// one trace id per session, a fresh parent span id per request, `tracestate` naming the probe. Requests to
// any other origin get nothing. Each request given a span id is kept, so that the run's spans (ops/otel-export.ts)
// hold a span of that id: the backend's spans hang under the probe's run.
//
// How, in Chromium (measured; README "Tracing a run into the backend"):
// - HTTP (page loads, fetch/XHR, preflights): the DevTools Fetch domain, paused for the target's origins only.
//   It sees a request after the browser's CORS decision, so no request needs a preflight it did not need
//   before, and the staging's own preflights still reach it. (Playwright's route() would fake every
//   preflight with a permissive answer, hiding a staging's broken CORS; setExtraHTTPHeaders adds the header
//   before the CORS decision, to every origin: each cross-origin call then needs a preflight, which a
//   staging that does not allow `traceparent` refuses.)
// - The WebSocket upgrade: the Fetch domain never sees it; Network.setExtraHTTPHeaders does, and applies at
//   the socket's creation. So the page's WebSocket constructor stops at a breakpoint of ours just before and
//   just after it creates a socket to the target: the headers are set while the page is stopped, the socket
//   created, the headers cleared. While it is stopped the page runs nothing else, so no other request of it
//   gets them.

import { randomBytes } from 'node:crypto';
import type { CDPSession, Page } from '@playwright/test';
import type { Clock } from './clock';

/** The `tracestate` key naming the probe (W3C: lowercase, digits, `_-*` and `/`). */
export const TRACESTATE_KEY = 'golden-path-probe';

/** A request that carried the session's trace id, under the parent span id it was given. */
export interface TracedRequest {
  spanId: string;
  method: string;
  /** Origin and path: the query string is left out (tickets and tokens travel there). */
  url: string;
  /** `websocket`, or the resource type the browser gave (Document, XHR, Fetch, Script, ...), `login` for the probe's own. */
  kind: string;
  /** ms on the run's clock. */
  at: number;
}

export function newTraceId(): string {
  return nonZeroHex(16);
}

export function newSpanId(): string {
  return nonZeroHex(8);
}

function nonZeroHex(bytes: number): string {
  for (;;) {
    const id = randomBytes(bytes).toString('hex');
    if (!/^0+$/.test(id)) return id;
  }
}

/** `00-<trace id>-<parent span id>-01`: version 0, sampled. */
export function traceparent(traceId: string, spanId: string): string {
  return `00-${traceId}-${spanId}-01`;
}

/** PROBE_TRACE_URL with the trace id in it; undefined without a template or a trace id. */
export function traceLink(template: string | undefined, traceId: string | undefined): string | undefined {
  return template === undefined || traceId === undefined ? undefined : template.split('{traceId}').join(traceId);
}

/** What result.json says of a session's trace: its id, its link (PROBE_TRACE_URL), the requests that carried it. */
export function traceFields(trace: TraceContext | undefined, template: string | undefined): { traceId?: string; traceUrl?: string; tracedRequests?: TracedRequest[] } {
  if (!trace) return {};
  const url = traceLink(template, trace.traceId);
  return { traceId: trace.traceId, ...(url === undefined ? {} : { traceUrl: url }), tracedRequests: trace.requests };
}

/** The origin a URL is requested on, a WebSocket's as its HTTP origin (`wss://h` is `https://h`). */
function httpOrigin(url: string): string | undefined {
  try {
    const u = new URL(url);
    const scheme = u.protocol === 'ws:' ? 'http:' : u.protocol === 'wss:' ? 'https:' : u.protocol;
    return `${scheme}//${u.host}`;
  } catch {
    return undefined;
  }
}

function withoutQuery(url: string): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  } catch {
    return '(not a URL)';
  }
}

/** The names of the page's functions the WebSocket constructor stops in (initScript below). */
const OPEN = '__goldenPathProbeTraceOpen';
const CLOSE = '__goldenPathProbeTraceClose';

/**
 * Runs in the page before its scripts: a socket to one of `origins` is created between a stop in OPEN and one
 * in CLOSE (a `debugger` statement each, which only pauses while the probe's DevTools session listens). The
 * object the page gets is the browser's own WebSocket. Serialized into the page: nothing from outside its body.
 */
function initScript(origins: string[]): void {
  const w = window as unknown as { WebSocket: typeof WebSocket };
  const originOf = (url: unknown): string => {
    try {
      const u = new URL(String(url), location.href);
      return `${u.protocol.replace(/^ws/, 'http')}//${u.host}`;
    } catch {
      return '';
    }
  };
  // The stops, by name; the URL is read from the first while it is stopped.
  const named: Record<string, (url?: string) => void> = {
    __goldenPathProbeTraceOpen: (url?: string) => {
      void url;
      // eslint-disable-next-line no-debugger -- the stop the probe sets the headers in
      debugger;
    },
    __goldenPathProbeTraceClose: () => {
      // eslint-disable-next-line no-debugger -- the stop the probe clears them in
      debugger;
    },
  };
  w.WebSocket = new Proxy(w.WebSocket, {
    construct(target, args, newTarget) {
      if (!origins.includes(originOf(args[0]))) return Reflect.construct(target, args, newTarget) as object;
      named.__goldenPathProbeTraceOpen!(new URL(String(args[0]), location.href).href);
      try {
        return Reflect.construct(target, args, newTarget) as object;
      } finally {
        named.__goldenPathProbeTraceClose!();
      }
    },
  });
}

const byPage = new WeakMap<Page, TraceContext>();

/** The trace context attached to a page, for the probe's own requests on its behalf (the e2e bypass login). */
export function traceContextOf(page: Page): TraceContext | undefined {
  return byPage.get(page);
}

export class TraceContext {
  readonly traceId = newTraceId();
  readonly requests: TracedRequest[] = [];
  private stopped = false;

  constructor(
    /** The target's origins (`http://host:port`): only their requests carry the trace. */
    private readonly origins: ReadonlySet<string>,
    private readonly clock: Clock,
    /**
     * The nonce of the turn under way (the one about to be sent, before the first): it goes into `tracestate`,
     * so that the backend can tell which message of the probe a request serves.
     */
    private readonly nonce: () => string,
  ) {}

  isTarget(url: string): boolean {
    const origin = httpOrigin(url);
    return origin !== undefined && this.origins.has(origin);
  }

  /** The headers of one request to the target, under a fresh parent span id, which is kept. */
  headersFor(method: string, url: string, kind: string): { traceparent: string; tracestate: string } {
    const spanId = newSpanId();
    this.requests.push({ spanId, method, url: withoutQuery(url), kind, at: this.clock.now() });
    return { traceparent: traceparent(this.traceId, spanId), tracestate: `${TRACESTATE_KEY}=${this.nonce()}` };
  }

  /**
   * The run is over (judged, its requests listed in result.json): what the page still requests after it (a list
   * refreshed, a socket reopened) goes out without the run's trace, so that every traced request is listed.
   */
  stop(): void {
    this.stopped = true;
  }

  /**
   * Must run before the page's first navigation. Its DevTools session has the Network domain on only while a
   * socket is created: on all the time, it would get every frame of the page once more (capture/devtools.ts).
   */
  async attach(page: Page): Promise<void> {
    byPage.set(page, this);
    const cdp = await page.context().newCDPSession(page);
    cdp.on('Fetch.requestPaused', (e) => this.onRequest(cdp, e));
    cdp.on('Debugger.paused', (e) => void this.onPause(cdp, e.callFrames[0]));
    await cdp.send('Debugger.enable');
    await cdp.send('Fetch.enable', { patterns: [...this.origins].map((origin) => ({ urlPattern: `${origin}/*`, requestStage: 'Request' as const })) });
    await page.addInitScript(initScript, [...this.origins]);
  }

  private onRequest(cdp: CDPSession, e: { requestId: string; resourceType: string; request: { url: string; method: string; headers: Record<string, string> } }): void {
    // The Cookie header is the browser's to add after this point: passing it back would send it twice.
    const headers = Object.entries(e.request.headers)
      .filter(([name]) => !['cookie', 'traceparent', 'tracestate'].includes(name.toLowerCase()))
      .map(([name, value]) => ({ name, value }));
    if (this.isTarget(e.request.url) && !this.stopped) {
      for (const [name, value] of Object.entries(this.headersFor(e.request.method, e.request.url, e.resourceType))) headers.push({ name, value });
      cdp.send('Fetch.continueRequest', { requestId: e.requestId, headers }).catch(() => undefined);
    } else {
      cdp.send('Fetch.continueRequest', { requestId: e.requestId }).catch(() => undefined);
    }
  }

  /**
   * Our stops set or clear the socket's headers; any other (the page's own `debugger`) goes on at once. Never
   * throws: a page that navigates away while stopped ends the stop, and then the headers are cleared, so that
   * no later request of the page gets them.
   */
  private async onPause(cdp: CDPSession, frame: { functionName: string; callFrameId: string } | undefined): Promise<void> {
    // The headers act only in a session with the Network domain on (measured), which is on from here to the clear.
    const clear = async () => {
      await cdp.send('Network.setExtraHTTPHeaders', { headers: {} }).catch(() => undefined);
      await cdp.send('Network.disable').catch(() => undefined);
    };
    try {
      if (frame?.functionName === OPEN && !this.stopped) {
        const url = await cdp.send('Debugger.evaluateOnCallFrame', { callFrameId: frame.callFrameId, expression: 'url', returnByValue: true });
        const socketUrl = typeof url.result.value === 'string' ? url.result.value : '';
        await cdp.send('Network.enable');
        await cdp.send('Network.setExtraHTTPHeaders', { headers: this.headersFor('GET', socketUrl, 'websocket') });
      } else if (frame?.functionName === CLOSE) await clear();
    } catch {
      await clear();
    } finally {
      await cdp.send('Debugger.resume').catch(() => undefined);
    }
  }
}
