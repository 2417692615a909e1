// The peer of `npm run bench` (section cost): the golden path as a team would write it by hand with
// Playwright Test, without golden-path-probe. Form login, send a message with a nonce, wait on the page's
// socket (page.on('websocket') -> framereceived) for the five events of its run and its final
// agent_completed, its answer visible, 1 s of listening after the final (the probe's PROBE_FINAL_GRACE_MS)
// for a late event; then, as the probe does by default, reload and wait until every message and answer shows
// again. Reported by list, html and junit (bench/peer.config.ts).
//
// Environment (set by scripts/bench-cost.ts): PEER_APP_URL, PEER_USERNAME, PEER_PASSWORD; PEER_TURNS (default
// 1: a follow-up a turn in the same conversation); PEER_RELOAD (`on` by default, `off`).

import { randomBytes } from 'node:crypto';
import { expect, test, type Page, type WebSocket } from '@playwright/test';

const EVENTS = ['agent_started', 'agent_thinking', 'tool_executing', 'tool_completed', 'agent_completed'];
const LISTEN_AFTER_FINAL_MS = 1_000;
const TURNS = Number(process.env.PEER_TURNS ?? 1);
const RELOAD = process.env.PEER_RELOAD !== 'off';

interface Frame {
  type?: string;
  run_id?: string;
  thread_id?: string;
  agent_name?: string;
  data?: { result?: unknown };
  payload?: { content?: unknown; thread_id?: string };
}

/** One message's run, followed on the page's sockets: its thread from the frame that carried the nonce, its run from the first agent_started of that thread. */
class Run {
  thread: string | undefined;
  runId: string | undefined;
  rootAgent: string | undefined;
  answer: string | undefined;
  readonly seen: string[] = [];
  finalAt: number | undefined;
  readonly afterFinal: string[] = [];

  constructor(readonly nonce: string) {}

  sent(frame: Frame): void {
    this.thread ??= frame.payload?.thread_id ?? frame.thread_id;
  }

  received(frame: Frame): void {
    if (!this.thread || frame.thread_id !== this.thread) return;
    if (frame.type === 'agent_started' && this.runId === undefined) {
      this.runId = frame.run_id;
      this.rootAgent = frame.agent_name;
    }
    if (!this.runId || frame.run_id !== this.runId) return;
    const type = frame.type ?? '';
    if (this.finalAt !== undefined && EVENTS.includes(type)) this.afterFinal.push(type);
    if (EVENTS.includes(type)) this.seen.push(type);
    if (type === 'agent_response' && typeof frame.payload?.content === 'string') this.answer = frame.payload.content;
    if (type === 'agent_completed' && (!frame.agent_name || frame.agent_name === this.rootAgent) && this.finalAt === undefined) {
      this.finalAt = Date.now();
      if (typeof frame.data?.result === 'string') this.answer ??= frame.data.result;
    }
  }
}

function parse(payload: string | Buffer): Frame | undefined {
  try {
    return JSON.parse(payload.toString()) as Frame;
  } catch {
    return undefined;
  }
}

/** Every socket of the page, from before the first navigation: frames carrying a turn's nonce or its thread go to its run. */
function follow(page: Page, runs: Run[]): void {
  page.on('websocket', (ws: WebSocket) => {
    ws.on('framesent', ({ payload }) => {
      const run = runs.find((r) => payload.includes(r.nonce));
      const frame = run && parse(payload);
      if (frame) run.sent(frame);
    });
    ws.on('framereceived', ({ payload }) => {
      const frame = parse(payload);
      if (frame) for (const run of runs) run.received(frame);
    });
  });
}

test('golden path', async ({ page }) => {
  const runs: Run[] = [];
  follow(page, runs);

  await test.step('log in', async () => {
    await page.goto(`${process.env.PEER_APP_URL}/login`);
    await page.getByTestId('login-username').fill(process.env.PEER_USERNAME ?? '');
    await page.getByTestId('login-password').fill(process.env.PEER_PASSWORD ?? '');
    await page.getByTestId('login-submit').click();
    await page.waitForURL((url) => url.pathname.startsWith('/chat'));
  });

  for (let turn = 1; turn <= TURNS; turn++) {
    const run = new Run(randomBytes(6).toString('hex'));
    runs.push(run);
    const message = `Summarize my usage for yesterday [probe ${run.nonce}]`;
    await test.step(`turn ${turn}: send message`, async () => {
      await page.getByTestId('message-textarea').fill(message);
      await page.getByTestId('send-button').click();
    });
    await test.step(`turn ${turn}: the five events and the final agent_completed`, async () => {
      await expect.poll(() => run.finalAt !== undefined && run.answer !== undefined, { timeout: 30_000, intervals: [100] }).toBe(true);
      expect(EVENTS.filter((e) => !run.seen.includes(e))).toEqual([]);
    });
    await test.step(`turn ${turn}: the answer visible, and nothing late`, async () => {
      await expect(page.getByText(run.answer!)).toBeVisible();
      await page.waitForTimeout(Math.max(0, run.finalAt! + LISTEN_AFTER_FINAL_MS - Date.now()));
      expect(run.afterFinal).toEqual([]);
      expect(run.seen.filter((e) => e === 'agent_completed').length).toBeGreaterThan(0);
    });
  }

  if (RELOAD)
    await test.step('reload the conversation', async () => {
      await page.reload();
      for (const run of runs) {
        await expect(page.getByText(`[probe ${run.nonce}]`).first()).toBeVisible();
        await expect(page.getByText(run.answer!)).toBeVisible();
      }
    });
});
