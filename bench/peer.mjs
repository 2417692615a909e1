// The peer of `npm run bench`: the golden path as a minimal, hand-written Playwright script, with no test
// runner, capture files, judge or reports. The bench compares the probe's cost with this one's.
// Form login (the probe's default), open /chat, send a message with a nonce, wait for the run's five events
// and its final agent_completed on the page's socket, then for the answer to be visible. Every wait is
// bounded. Prints one JSON line {ok, ms[, error]}; exit 0 on success, 1 otherwise.
//
// Environment (set by scripts/bench-cost.ts): PEER_APP_URL, PEER_USERNAME, PEER_PASSWORD,
// PEER_BROWSER_PATH (empty: Playwright's own Chromium), PEER_BROWSER_ARGS (a JSON array of flags).
/* global console, process, performance, setTimeout, clearTimeout, document */
import { randomBytes } from 'node:crypto';
import { chromium } from '@playwright/test';

const TIMEOUT_MS = 30_000;
const EVENTS = ['agent_started', 'agent_thinking', 'tool_executing', 'tool_completed', 'agent_completed'];

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

let browser;
let ok = false;
let error;
try {
  browser = await chromium.launch({
    executablePath: process.env.PEER_BROWSER_PATH || undefined,
    args: JSON.parse(process.env.PEER_BROWSER_ARGS || '[]'),
    headless: true,
    timeout: TIMEOUT_MS,
  });
  const page = await browser.newPage();
  page.setDefaultTimeout(TIMEOUT_MS);

  // The run's frames: its thread is learnt from the outgoing frame that carries the nonce.
  let thread;
  let rootAgent;
  let answer;
  let finalSeen = false;
  const seen = new Set();
  let runEnded;
  const ended = new Promise((resolve) => (runEnded = resolve));
  page.on('websocket', (ws) => {
    ws.on('framesent', ({ payload }) => {
      if (thread || typeof payload !== 'string' || !payload.includes(nonce)) return;
      try {
        const frame = JSON.parse(payload);
        thread = frame.payload?.thread_id ?? frame.thread_id;
      } catch {
        // not JSON
      }
    });
    ws.on('framereceived', ({ payload }) => {
      let frame;
      try {
        frame = JSON.parse(typeof payload === 'string' ? payload : payload.toString('utf8'));
      } catch {
        return;
      }
      if (!thread || frame.thread_id !== thread) return;
      if (frame.type === 'agent_started' && rootAgent === undefined) rootAgent = frame.agent_name ?? null;
      if (EVENTS.includes(frame.type)) seen.add(frame.type);
      const content = frame.type === 'agent_response' ? frame.payload?.content : undefined;
      const isFinal = frame.type === 'agent_completed' && (!frame.agent_name || frame.agent_name === rootAgent);
      if (isFinal) answer ??= frame.data?.result;
      if (typeof content === 'string' && content) answer = content;
      if (isFinal) finalSeen = true;
      if (finalSeen && answer && EVENTS.every((e) => seen.has(e))) runEnded();
    });
  });

  await page.goto(`${appUrl}/login`);
  await page.locator('[data-testid="login-username"]').fill(process.env.PEER_USERNAME ?? '');
  await page.locator('[data-testid="login-password"]').fill(process.env.PEER_PASSWORD ?? '');
  await page.locator('[data-testid="login-submit"]').click();
  await page.waitForURL((url) => url.pathname.startsWith('/chat'));
  await page.locator('[data-testid="message-textarea"]').fill(message);
  // The button is enabled once the chat's socket is open: click waits for that.
  await page.locator('[data-testid="send-button"]').click();
  await bounded(ended, 'the five events and the final agent_completed');
  await page.waitForFunction(
    (text) => document.body.innerText.replace(/\s+/g, ' ').includes(text.replace(/\s+/g, ' ')),
    answer,
    { timeout: TIMEOUT_MS, polling: 100 },
  );
  ok = true;
} catch (err) {
  error = String(err?.message ?? err).split('\n')[0];
} finally {
  await browser?.close().catch(() => {});
}
console.log(JSON.stringify({ ok, ms: Math.round(performance.now() - started), ...(error ? { error } : {}) }));
process.exitCode = ok ? 0 : 1;
