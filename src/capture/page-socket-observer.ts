// Runs inside the page before any of its scripts. It wraps the page's WebSocket class so that open, close
// (with code and reason, which Playwright does not report) and error events reach the recorder. It changes
// nothing the app can observe: same class name, same constants, same behaviour.

export const SOCKET_BINDING = '__goldenPathProbeSocketEvent';

export interface PageSocketEvent {
  url: string;
  kind: 'open' | 'close' | 'error';
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
  class ObservedWebSocket extends Native {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols);
      this.addEventListener('open', () => report({ url: this.url, kind: 'open' }));
      this.addEventListener('error', () => report({ url: this.url, kind: 'error' }));
      this.addEventListener('close', (e: CloseEvent) => report({ url: this.url, kind: 'close', code: e.code, reason: e.reason }));
    }
  }
  Object.defineProperty(ObservedWebSocket, 'name', { value: 'WebSocket' });
  w.WebSocket = ObservedWebSocket;
}
