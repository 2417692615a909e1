// The DevTools session the recorder listens on. Every DevTools session with the Network domain on gets every
// frame of the page once more: Chromium serializes it again, sends it down the pipe again, and Playwright
// parses it and hands it through its client-server protocol again, one event loop turn a frame. Under a flood
// of 100,000 frames a session of the probe's own cost a plain Playwright script 1.2x its time to the final
// completion with no work done on the frames at all (measured; README "Where a run's time goes").
//
// So the recorder listens on the session Playwright itself already has on the page, with the Network domain
// already on, when the worker runs Playwright's server in its own process (as Playwright Test does with a
// browser it launched): the frames then cost nothing more to receive. That session is reached through
// Playwright's internals (the in-process connection's toImpl, the Chromium page's main frame session); when
// any of them is not there (a browser connected over the network, another Playwright version) the recorder
// opens a session of its own, as before. Listening only: nothing is ever sent on Playwright's session.

import type { CDPSession, Page } from '@playwright/test';

/** What the recorder needs of a DevTools session: its events. */
export type DevtoolsEvents = Pick<CDPSession, 'on'>;

export interface PageDevtools {
  events: DevtoolsEvents;
  /** `playwright`: Playwright's own session (Network already on); `own`: one opened for the probe. */
  source: 'playwright' | 'own';
  /** Turns the Network domain on where it is not yet; called once the listeners are on (Chromium may send events before it answers). */
  start(): Promise<void>;
}

/** Playwright's own DevTools session on `page`, or undefined where it cannot be reached. */
export function playwrightSession(page: Page): DevtoolsEvents | undefined {
  try {
    const connection = (page as unknown as { _connection?: { toImpl?: (o: unknown) => unknown } })._connection;
    const server = connection?.toImpl?.(page) as { delegate?: { _mainFrameSession?: { _client?: unknown } } } | undefined;
    const client = server?.delegate?._mainFrameSession?._client as { on?: unknown; send?: unknown } | undefined;
    return typeof client?.on === 'function' && typeof client.send === 'function' ? (client as unknown as DevtoolsEvents) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The session to listen on for `page`'s sockets: Playwright's own where reachable (unless `own`), else a new
 * one, its Network domain turned on by start(). Must run before the page's first navigation.
 */
export async function pageDevtools(page: Page, own = false): Promise<PageDevtools> {
  const shared = own ? undefined : playwrightSession(page);
  if (shared) return { events: shared, source: 'playwright', start: async () => undefined };
  const cdp = await page.context().newCDPSession(page);
  // A session that cannot enable it fails the attach, so the run says why instead of judging a page with no frames.
  return { events: cdp, source: 'own', start: async () => void (await cdp.send('Network.enable')) };
}
