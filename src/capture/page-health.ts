// Whether the probe can still see the page: its renderer crashed, it stopped responding, or the probe's own
// browser went away. Each ends the run at once instead of leaving the probe waiting out its timeouts, and is
// told apart: a crashed or frozen page is what a user would see too (`ui-render`); a dead browser is the
// probe's own trouble (`probe`, the run says `error`), never the staging's.

import type { Page } from '@playwright/test';
import type { LostSight } from '../contract/types';
import type { Clock } from './clock';

/** A read of the page that got no answer within its bound: the page's main thread is stuck. */
export class PageUnresponsive extends Error {
  constructor(
    readonly what: string,
    readonly timeoutMs: number,
  ) {
    super(`the page did not answer within ${timeoutMs} ms (${what})`);
    this.name = 'PageUnresponsive';
  }
}

/**
 * `page.evaluate`, bounded: Playwright's has no timeout, and a page whose main thread is stuck never answers.
 * Throws PageUnresponsive after `timeoutMs`; null when the page could not be read (closed, navigating away).
 */
export async function evaluateWithin<A, R>(page: Page, fn: (arg: A) => R, arg: A, timeoutMs: number, what: string): Promise<R | null> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), timeoutMs)));
  try {
    const read = page.evaluate(fn as (arg: unknown) => R, arg as unknown).then(
      (value) => ({ value }),
      () => null,
    );
    const outcome = await Promise.race([read, late]);
    if (outcome === 'late') throw new PageUnresponsive(what, timeoutMs);
    return outcome === null ? null : outcome.value;
  } finally {
    clearTimeout(timer);
  }
}

/** How often the page is asked whether it still answers, while the run is watched. */
const HEARTBEAT_MS = 1_000;
/** A crash or close is held this long before it is reported, so that a browser that died is named as such. */
const SETTLE_MS = 250;

type Kind = 'crashed' | 'unresponsive' | 'browser-died' | 'closed';

/**
 * Watches a page until stop(): reports the first trouble once, as the LostSight the judge takes, timed from
 * the send when there was one. The heartbeat runs between startHeartbeat()
 * and stop(), once the page is loaded: during a navigation a page may rightly not answer for a while.
 */
export class PageWatch {
  private stopped = false;
  private reported = false;
  private heartbeat: NodeJS.Timeout | undefined;
  private readonly browserGone: Promise<void>;
  private browserDisconnected = false;
  private readonly offs: Array<() => void> = [];

  constructor(
    private readonly page: Page,
    private readonly clock: Clock,
    /** The moment the run's times are told from: the send, or the click on send before it was confirmed. */
    private readonly moment: () => { at: number; label: string } | null,
    private readonly unresponsiveMs: number,
    private readonly onLost: (lost: LostSight) => void,
  ) {
    const browser = page.context().browser();
    this.browserGone = new Promise((resolve) => {
      const onDisconnected = () => {
        this.browserDisconnected = true;
        this.report('browser-died', '');
        resolve();
      };
      browser?.on('disconnected', onDisconnected);
      this.offs.push(() => browser?.off('disconnected', onDisconnected));
    });
    const onCrash = () => this.settleThenReport('crashed');
    const onClose = () => this.settleThenReport('closed');
    page.on('crash', onCrash);
    page.on('close', onClose);
    this.offs.push(() => page.off('crash', onCrash), () => page.off('close', onClose));
  }

  /** From now on, the page must answer a heartbeat within `unresponsiveMs`. */
  startHeartbeat(): void {
    if (this.stopped || this.heartbeat) return;
    const beat = async () => {
      if (this.stopped) return;
      try {
        await evaluateWithin(this.page, () => 1, null, this.unresponsiveMs, 'a heartbeat');
      } catch (err) {
        if (err instanceof PageUnresponsive) return this.report('unresponsive', err.message);
      }
      if (!this.stopped) this.heartbeat = setTimeout(() => void beat(), HEARTBEAT_MS);
    };
    this.heartbeat = setTimeout(() => void beat(), HEARTBEAT_MS);
  }

  /** A read of the page that got no answer: the same trouble as a missed heartbeat. */
  unresponsive(err: PageUnresponsive): void {
    this.report('unresponsive', err.message);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.heartbeat);
    for (const off of this.offs) off();
  }

  private settleThenReport(kind: Kind): void {
    // When the browser itself died, the page's crash or close is only its consequence.
    const timer = setTimeout(() => this.report(this.browserDisconnected ? 'browser-died' : kind, ''), SETTLE_MS);
    void this.browserGone.then(() => clearTimeout(timer));
  }

  private report(kind: Kind, detail: string): void {
    if (this.stopped || this.reported) return;
    this.reported = true;
    clearTimeout(this.heartbeat);
    const at = this.clock.now();
    const from = this.moment();
    const when = from === null ? 'before the send' : `${Math.round(at - from.at)} ms after ${from.label}`;
    const lost: Record<Kind, LostSight> = {
      crashed: { at, class: 'ui-render', message: `the page crashed ${when} (its renderer process died): a user would see the crash page` },
      unresponsive: { at, class: 'ui-render', message: `the page stopped responding ${when}: ${detail}` },
      'browser-died': {
        at,
        class: 'probe',
        message: `the probe's own browser went away ${when} (its process died or was killed: look at the probe's host, its memory and the OOM killer); this says nothing about the staging`,
      },
      closed: { at, class: 'probe', message: `the probe's page was closed ${when}, not by the probe` },
    };
    this.onLost(lost[kind]);
  }
}

