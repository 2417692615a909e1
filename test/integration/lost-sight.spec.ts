// When the probe loses sight of the run: its own browser dies (never the staging's fault: error, exit 2), or
// the page's renderer crashes (what a user would see too: ui-render). Either ends the run at once, with every
// file written, instead of waiting out the completion timeout and blaming the platform.

import type { Page } from '@playwright/test';
import { Clock } from '../../src/capture/clock';
import { PageWatch } from '../../src/capture/page-health';
import type { LostSight } from '../../src/contract/types';
import { History } from '../../src/ops/history';
import { REFERENCE_CREDENTIALS } from '../../reference/server';
import { test as browserTest } from './browser-fixture';
import { describe, expect, test } from './harness';
import { descendantsOf, isAlive, isBrowser, isBrowserMain, isPageRenderer, processesMentioning } from './processes';

/** A page watched as the probe watches it; resolves with what it reported. */
function watched(page: Page): { lost: Promise<LostSight> } {
  let report: (l: LostSight) => void = () => undefined;
  const lost = new Promise<LostSight>((resolve) => (report = resolve));
  const clock = new Clock();
  new PageWatch(page, clock, () => ({ at: 0, label: 'the send' }), 5_000, report);
  return { lost };
}

browserTest('a renderer crash is reported as the page crashing (ui-render)', async ({ chromiumBrowser }) => {
  const context = await chromiumBrowser.newContext();
  try {
    const page = await context.newPage();
    const { lost } = watched(page);
    // As Playwright's own tests crash a renderer.
    await page.goto('chrome://crash').catch(() => undefined);
    expect(await lost).toMatchObject({ class: 'ui-render', message: expect.stringContaining('the page crashed') });
  } finally {
    await context.close().catch(() => undefined);
  }
});

const KILL_ENV = { PROBE_USERNAME: REFERENCE_CREDENTIALS.username, PROBE_PASSWORD: REFERENCE_CREDENTIALS.password };
// Long bounds: the run must end because of the kill, which its class proves (a timeout would say `timeout`).
const LONG_WAIT = { PROBE_FIRST_EVENT_TIMEOUT_MS: '60000', PROBE_COMPLETE_TIMEOUT_MS: '60000' };

/** Resolves once the probe's progress says it sent its message. */
function sent(child: import('node:child_process').ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      if (/send message/.test(out)) resolve();
    });
  });
}

test("the probe's own Chromium killed mid-run: error (probe), exit 2, every file and the history say so, nothing left running", async ({
  startProbe,
  staging,
  target,
}) => {
  // The first event is held back a minute: the run is surely under way, waiting, when the browser dies.
  staging.setFault('slow-first-event', { delayMs: 60_000 });
  const running = startProbe({ ...target, ...KILL_ENV, ...LONG_WAIT });
  await sent(running.child);
  const main = processesMentioning(running.cwd).filter(isBrowserMain);
  expect(main, 'one Chromium of the probe').toHaveLength(1);
  const helpers = descendantsOf(main[0]!);
  process.kill(Number(main[0]), 'SIGKILL');
  const o = await running.exited;

  expect(o.code, describe(o)).toBe(2);
  expect(o.result?.verdict, describe(o)).toMatchObject({ status: 'error', class: 'probe' });
  expect(o.result!.verdict.message).toContain("the probe's own browser went away");
  expect(o.result!.verdict.message).toContain('after the send');
  expect(o.result!.verdict.message).toContain('this says nothing about the staging');
  expect(o.output).toContain('golden path: ERROR [probe]');
  // The history records the run as the probe's own error, which no alert counts against the staging.
  const history = await History.open(`${o.runDir}/../history.db`);
  try {
    const rows = await history.since(0);
    expect(rows.map((r) => [r.status, r.class])).toEqual([['error', 'probe']]);
  } finally {
    await history.close();
  }
  const alive = () => [...processesMentioning(running.cwd).filter(isBrowser), ...helpers.filter(isAlive)];
  await expect.poll(alive, { message: 'no Chromium process left behind', timeout: 10_000 }).toEqual([]);
});

test("the page's renderer killed mid-run: the page crashed (ui-render), exit 1, at once", async ({ startProbe, staging, target }) => {
  staging.setFault('slow-first-event', { delayMs: 60_000 });
  const running = startProbe({ ...target, ...KILL_ENV, ...LONG_WAIT });
  await sent(running.child);
  const renderers = processesMentioning(running.cwd).filter(isBrowserMain).flatMap(descendantsOf).filter(isPageRenderer);
  expect(renderers.length, 'the page has a renderer').toBeGreaterThan(0);
  for (const pid of renderers) process.kill(Number(pid), 'SIGKILL');
  const o = await running.exited;

  expect(o.code, describe(o)).toBe(1);
  expect(o.result?.verdict, describe(o)).toMatchObject({ status: 'fail', class: 'ui-render' });
  expect(o.result!.verdict.message).toContain('the page crashed');
  await expect.poll(() => processesMentioning(running.cwd).filter(isBrowser), { message: 'no Chromium process left behind', timeout: 10_000 }).toEqual([]);
});
