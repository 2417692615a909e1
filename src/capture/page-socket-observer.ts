// Runs inside the page before any of its scripts. It wraps the page's WebSocket class so that open, close
// (with code and reason, which Playwright does not report) and error events reach the recorder. It changes
// nothing the app can observe: same class name, same constants, same behaviour.

export const SOCKET_BINDING = '__goldenPathProbeSocketEvent';

export interface PageSocketEvent {
  /** The page's own number for the socket (its order of creation in that document), to match it to the browser's. */
  id: string;
  url: string;
  kind: 'created' | 'open' | 'close' | 'error';
  code?: number;
  reason?: string;
  /** Set by the recorder when the event reaches it. */
  t: number;
}

/** Serialized by Playwright into the page: it must not reference anything outside its own body. */
export function pageSocketObserver(): void {
  const w = window as unknown as Record<string, unknown> & { WebSocket: typeof globalThis.WebSocket };
  const Native: typeof globalThis.WebSocket = w.WebSocket;
  const report = (event: Omit<PageSocketEvent, 't'>) => {
    const binding = w['__goldenPathProbeSocketEvent'];
    if (typeof binding === 'function') void (binding as (e: unknown) => Promise<void>)(event);
  };
  // Unique within the page's life: a document number (sockets of an earlier document keep theirs) and a count.
  const doc = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
  let count = 0;
  class ObservedWebSocket extends Native {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols);
      const id = `${doc}-${++count}`;
      report({ id, url: this.url, kind: 'created' });
      this.addEventListener('open', () => report({ id, url: this.url, kind: 'open' }));
      this.addEventListener('error', () => report({ id, url: this.url, kind: 'error' }));
      this.addEventListener('close', (e: CloseEvent) => report({ id, url: this.url, kind: 'close', code: e.code, reason: e.reason }));
    }
  }
  Object.defineProperty(ObservedWebSocket, 'name', { value: 'WebSocket' });
  w.WebSocket = ObservedWebSocket;
}
