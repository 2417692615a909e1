// The floor of `npm run bench` (section flood): what a plain Playwright listener receives. A bare Playwright
// script (no test runner, capture files, judge or reports): form login, open the chat, send a message with a
// nonce, and follow the page's socket with page.on('websocket') -> framereceived, each frame parsed as JSON,
// until the run's final agent_completed; then wait for the answer to be visible. Every wait is bounded.
//
// It reports when the final agent_completed reached it (ms after the click, on its own clock) and when the page's
// own `message` handler saw it (ms after the click, on the page's clock): under a flood both lag the wire.
// Prints one JSON line {ok, ms, completeMs, pageCompleteMs[, error]}; exit 0 on success, 1 otherwise.
//
// Environment (set by scripts/bench.ts): PEER_APP_URL, PEER_USERNAME, PEER_PASSWORD, PEER_BROWSER_PATH (empty:
// Playwright's own Chromium), PEER_BROWSER_ARGS (a JSON array of flags).
/* global console, process, performance, setTimeout, clearTimeout, document, window */
import { randomBytes } from 'node:crypto';
import { chromium } from '@playwright/test';

const TIMEOUT_MS = 60_000;

const started = performance.now();
const appUrl = process.env.PEER_APP_URL;
const nonce = randomBytes(6).toString('hex');
const message = `Summarize my usage for yesterday [probe ${nonce}]`;

/** Resolves when `promise` does, rejects after TIMEOUT_MS saying what was awaited. */
function bounded(promise, what) {
  let timer;
  const timeout = new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: not within ${TIMEOUT_MS} ms`)), TIMEOUT_MS)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** In the page, before its scripts: when its sockets deliver an agent_completed to the page's own handlers (page clock). */
function pageCompletions() {
  window.__completions = [];
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', (e) => {
        if (typeof e.data === 'string' && e.data.includes('"agent_completed"')) window.__completions.push(performance.now());
      });
    }
  };
}

let browser;
const out = { ok: false };
try {
  browser = await chromium.launch({
    executablePath: process.env.PEER_BROWSER_PATH || undefined,
    args: JSON.parse(process.env.PEER_BROWSER_ARGS || '[]'),
    headless: true,
    timeout: TIMEOUT_MS,
  });
  const page = await browser.newPage();
  page.setDefaultTimeout(TIMEOUT_MS);
  await page.addInitScript(pageCompletions);

  // The run's frames: its thread is learnt from the outgoing frame that carries the nonce.
  let thread;
  let rootAgent;
  let answer;
  let clickedAt;
  let runEnded;
  const ended = new Promise((resolve) => (runEnded = resolve));
  page.on('websocket', (ws) => {
    ws.on('framesent', ({ payload }) => {
      if (thread || typeof payload !== 'string' || !payload.includes(nonce)) return;
      const frame = JSON.parse(payload);
      thread = frame.payload?.thread_id ?? frame.thread_id;
    });
    ws.on('framereceived', ({ payload }) => {
      let frame;
      try {
        frame = JSON.parse(payload.toString());
      } catch {
        return;
      }
      if (!thread || frame.thread_id !== thread) return;
      if (frame.type === 'agent_started') rootAgent ??= frame.agent_name ?? null;
      if (frame.type === 'agent_completed' && (!frame.agent_name || frame.agent_name === rootAgent) && out.completeMs === undefined) {
        out.completeMs = Math.round(performance.now() - clickedAt);
        answer ??= frame.data?.result;
        runEnded();
      }
    });
  });

  await page.goto(`${appUrl}/login`);
  await page.locator('[data-testid="login-username"]').fill(process.env.PEER_USERNAME ?? '');
  await page.locator('[data-testid="login-password"]').fill(process.env.PEER_PASSWORD ?? '');
  await page.locator('[data-testid="login-submit"]').click();
  await page.waitForURL((url) => url.pathname.startsWith('/chat'));
  await page.locator('[data-testid="message-textarea"]').fill(message);
  // The button is enabled once the chat's socket is open.
  await page.waitForFunction(() => document.querySelector('[data-testid="send-button"]')?.disabled === false, undefined, { polling: 50 });
  const pageClickedAt = await page.evaluate(() => performance.now());
  clickedAt = performance.now();
  await page.locator('[data-testid="send-button"]').click();
  await bounded(ended, 'the final agent_completed');
  await page.waitForFunction((text) => document.body.innerText.includes(text), answer, { timeout: TIMEOUT_MS, polling: 100 });
  const completions = await page.evaluate(() => window.__completions);
  out.pageCompleteMs = Math.round(Math.max(...completions) - pageClickedAt);
  out.ok = true;
} catch (err) {
  out.error = String(err?.message ?? err).split('\n')[0];
} finally {
  await browser?.close().catch(() => {});
}
console.log(JSON.stringify({ ...out, ms: Math.round(performance.now() - started) }));
process.exitCode = out.ok ? 0 : 1;
