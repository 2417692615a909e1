// The chat page in a real Chromium: login, send, render, reconnect, and the page flags of the faults.
import { chromium, expect, type Page } from '@playwright/test';
import { findBrowser } from '../../../src/browser/resolve';
import { REFERENCE_CREDENTIALS } from '../../../reference/server';
import { WAIT_MS, test, login, openChat, ask, agentSockets, kinds, type PageSocket } from './helpers';

test.describe('chat page in Chromium', () => {
  // The same browser the probe would use; .ci/run installs one, so a skip here only happens on a bare machine.
  const browser = findBrowser(process.env.PROBE_BROWSER_PATH);
  test.skip('error' in browser, 'error' in browser ? browser.error : '');

  const launch = () => {
    if ('error' in browser) throw new Error(browser.error);
    return chromium.launch({ executablePath: browser.executablePath, args: browser.args });
  };

  test('form login, send, answer rendered; answer-not-rendered hides only the answer', async ({ reference }) => {
    const browser = await launch();
    try {
      const page = await browser.newPage();
      const sent: string[] = [];
      page.on('websocket', (ws) => ws.on('framesent', (f) => sent.push(String(f.payload))));
      await page.goto(`${reference.appUrl}/chat`);
      await expect(page, 'no token: redirected to login').toHaveURL(/\/login$/);

      await page.getByTestId('login-username').fill(REFERENCE_CREDENTIALS.username);
      await page.getByTestId('login-password').fill('wrong');
      await page.getByTestId('login-submit').click();
      await expect(page.getByTestId('login-error')).toHaveText('Invalid credentials');

      await page.getByTestId('login-password').fill(REFERENCE_CREDENTIALS.password);
      await page.getByTestId('login-submit').click();
      await expect(page, 'the chat, with its new thread in the URL').toHaveURL(/\/chat\?thread=thread-[0-9a-f]+$/);
      expect(await page.evaluate(() => localStorage.getItem('jwt_token'))).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);

      await page.getByTestId('message-textarea').fill('browser check');
      await page.getByTestId('send-button').click();
      await expect(page.getByTestId('response-card')).toHaveText(/^Reference answer for "browser check"/);
      await expect(page.getByTestId('thinking-indicator')).toBeHidden();

      // The second message of the thread goes as user_message; each answer appends a card.
      await page.getByTestId('message-textarea').fill('second check');
      await page.getByTestId('send-button').click();
      await expect(page.getByTestId('response-card')).toHaveCount(2);
      await expect(page.getByTestId('response-card').nth(1)).toContainText('second check');
      expect(sent.map((s) => JSON.parse(s).type).filter((t) => t !== 'pong')).toEqual(['start_agent', 'user_message']);

      // A new chat (/chat alone: a new thread) under a fault that hides the answer.
      reference.setFault('answer-not-rendered');
      await page.goto(`${reference.appUrl}/chat`);
      await page.getByTestId('message-textarea').fill('hidden answer');
      await page.getByTestId('send-button').click();
      await expect(page.locator('#messages').getByText('hidden answer'), 'the message in the conversation (the list titles it too)').toBeVisible();
      await expect(page.getByTestId('thinking-indicator')).toBeHidden();
      await expect(page.getByTestId('response-card')).toHaveCount(0);
    } finally {
      await browser.close();
    }
  });

  test('the OAuth-like path lands in the chat with the token out of the URL', async ({ reference }) => {
    reference.setFault('send-over-rest');
    const browser = await launch();
    try {
      const page = await browser.newPage();
      const sent: string[] = [];
      page.on('websocket', (ws) => ws.on('framesent', (f) => sent.push(String(f.payload))));
      await page.goto(`${reference.appUrl}/login`);
      await page.getByTestId('oauth-button').click();
      await expect(page).toHaveURL(/\/chat\?thread=thread-[0-9a-f]+$/);
      const execute = page.waitForRequest((r) => r.url().endsWith('/api/agent/v2/execute'));
      await page.getByTestId('message-textarea').fill('via rest');
      await page.getByTestId('send-button').click();
      expect((await execute).postDataJSON()).toMatchObject({ message: 'via rest', thread_id: expect.any(String), request_id: expect.any(String) });
      await expect(page.getByTestId('response-card')).toContainText('via rest');
      expect(sent.filter((s) => s.includes('via rest')), 'the message did not go over the socket').toEqual([]);
      await page.goBack();
      expect(page.url(), 'the callback URL with the token left the history').not.toContain('access_token');
    } finally {
      await browser.close();
    }
  });

  test('after a 1011 close mid-run the page reconnects with a new ticket and the run stays unfinished', async ({ reference }) => {
    reference.setFault('close-1011-after-started');
    const { token } = await login(reference);
    const browser = await launch();
    try {
      const page = await browser.newPage();
      await page.addInitScript((t) => localStorage.setItem('jwt_token', t), token);
      const sockets: string[] = [];
      page.on('websocket', (ws) => sockets.push(ws.url()));
      await page.goto(`${reference.appUrl}/chat`);
      // Send is enabled once the first socket is established, so the next socket event is the reconnect.
      await expect(page.getByTestId('send-button')).toBeEnabled();
      await page.getByTestId('message-textarea').fill('then it breaks');
      const second = page.waitForEvent('websocket', { timeout: WAIT_MS });
      await page.getByTestId('send-button').click();
      await second;
      await expect(page.getByTestId('connection-status')).toHaveText('connected');
      expect(sockets).toHaveLength(2);
      expect(new Set(sockets).size, 'each socket has its own ticket').toBe(2);
      await expect(page.getByTestId('thinking-indicator')).toBeVisible();
      await expect(page.getByTestId('response-card')).toHaveCount(0);
    } finally {
      await browser.close();
    }
  });
  // ---- the page under the new faults (one shared browser, a fresh context each) ----------------------

  const HEALTHY_VARIANT_CHECKS: Record<string, (sockets: PageSocket[], page: Page) => Promise<void>> = {
    'binary-frames': async (sockets) => {
      const [agent] = agentSockets(sockets);
      expect(agent?.binary.length).toBeGreaterThan(0);
      expect(agent?.binary).toEqual(agent?.binary.map(() => true));
    },
    'dialect-renamed': async (sockets) => {
      expect(kinds(agentSockets(sockets)[0]?.received ?? []).filter((k) => k.startsWith('run.done'))).toEqual(['run.done:data_agent', 'run.done']);
    },
    'malformed-frame': async (sockets) => {
      expect(kinds(agentSockets(sockets)[0]?.received ?? []).filter((k) => k === 'MALFORMED')).toEqual(['MALFORMED']);
    },
    'noisy-sockets': async (sockets, page) => {
      expect(sockets.map((s) => new URL(s.url).pathname).sort()).toEqual(['/ws', '/ws/notifications']);
      await expect(page.getByTestId('notification-count'), 'the notification badge counting all six').toHaveText('6');
      const notes = sockets.find((s) => s.url.includes('/ws/notifications'));
      expect(kinds(notes?.received ?? [])).toEqual(Array(6).fill('notification'));
      const agent = agentSockets(sockets)[0];
      const pings = () => kinds(agent?.received ?? []).filter((k) => k === 'ping').length;
      await expect.poll(() => pings(), { message: 'the five server pings' }).toBe(5);
      await expect.poll(() => agent?.sent.filter((f) => JSON.parse(f).type === 'pong').length, { message: 'a pong for each ping' }).toBe(5);
    },
    'reconnect-1012-mid-run': async (sockets, page) => {
      const agent = agentSockets(sockets);
      expect(agent, 'two agent sockets, each with its own ticket').toHaveLength(2);
      expect(new Set(agent.map((s) => s.url)).size).toBe(2);
      expect(kinds(agent[1]?.received ?? []).filter((k) => k === 'agent_response')).toEqual(['agent_response']);
      await expect(page.getByTestId('connection-status')).toHaveText('connected');
    },
  };

  for (const [fault, check] of Object.entries(HEALTHY_VARIANT_CHECKS)) {
    test(`${fault}: the page renders the answer`, async ({ reference, chromiumBrowser }) => {
      reference.setFault(fault);
      const { page, context, sockets, errors } = await openChat(chromiumBrowser, reference);
      try {
        await ask(page, `variant ${fault}`);
        await expect(page.getByTestId('response-card')).toHaveText(new RegExp(`^Reference answer for "variant ${fault}"`));
        await expect(page.getByTestId('thinking-indicator')).toBeHidden();
        await check(sockets, page);
        expect(errors, 'script errors of the page').toEqual([]);
      } finally {
        await context.close();
      }
    });
  }

  test('foreign-routing: the page receives the whole run and renders nothing', async ({ reference, chromiumBrowser }) => {
    reference.setFault('foreign-routing');
    const { page, context, sockets } = await openChat(chromiumBrowser, reference);
    try {
      await ask(page, 'not for this thread');
      await expect.poll(() => kinds(agentSockets(sockets)[0]?.received ?? []).includes('agent_response'), { message: 'the agent_response frame at the page' }).toBe(true);
      await expect(page.getByTestId('thinking-indicator')).toBeVisible();
      await expect(page.getByTestId('response-card')).toHaveCount(0);
    } finally {
      await context.close();
    }
  });

  test('rest-answer-no-events: the page renders the answer it polled over REST; its socket had no run frame', async ({ reference, chromiumBrowser }) => {
    reference.setFault('rest-answer-no-events');
    const { page, context, sockets } = await openChat(chromiumBrowser, reference);
    try {
      const polled = page.waitForRequest((r) => r.method() === 'GET' && /\/api\/threads\/[^/]+\/messages$/.test(r.url()), { timeout: WAIT_MS });
      await ask(page, 'from the history');
      await polled;
      await expect(page.getByTestId('response-card')).toHaveText(/^Reference answer for "from the history"/);
      await expect(page.getByTestId('thinking-indicator')).toBeHidden();
      expect(new Set(kinds(agentSockets(sockets)[0]?.received ?? []))).toEqual(new Set(['connection_established', 'heartbeat']));
    } finally {
      await context.close();
    }
  });

  test('flaky-upgrade-once: the page does not retry a socket that never opened; a reload connects', async ({ reference, chromiumBrowser }) => {
    reference.setFault('flaky-upgrade-once');
    const { page, context, sockets } = await openChat(chromiumBrowser, reference);
    try {
      await expect(page.getByTestId('connection-status')).toHaveText('disconnected');
      await expect(page.getByText(/^Could not connect \(code \d+\)$/)).toBeVisible();
      await expect(page.getByTestId('send-button')).toBeDisabled();
      expect(sockets, 'one attempt only').toHaveLength(1);

      await page.reload();
      await ask(page, 'second time lucky');
      await expect(page.getByTestId('response-card')).toHaveText(/^Reference answer for "second time lucky"/);
      expect(sockets).toHaveLength(2);
    } finally {
      await context.close();
    }
  });

  test('heartbeats-only: the page can send on the open socket, and nothing comes back', async ({ reference, chromiumBrowser }) => {
    reference.setFault('heartbeats-only');
    const { page, context, sockets } = await openChat(chromiumBrowser, reference);
    try {
      await ask(page, 'hello?');
      await expect(page.getByTestId('connection-status')).toHaveText('open');
      const agent = agentSockets(sockets)[0];
      await expect.poll(() => agent?.sent.map((f) => JSON.parse(f).type), { message: 'start_agent sent by the page' }).toEqual(['start_agent']);
      await expect.poll(() => (agent?.received.length ?? 0) >= 3, { message: 'three heartbeats at the page' }).toBe(true);
      expect(new Set(kinds(agent?.received ?? []))).toEqual(new Set(['heartbeat']));
      await expect(page.getByTestId('thinking-indicator')).toBeVisible();
      await expect(page.getByTestId('response-card')).toHaveCount(0);
    } finally {
      await context.close();
    }
  });

  test('login-rejected: the form and the OAuth-like path both show "Invalid credentials"', async ({ reference, chromiumBrowser }) => {
    reference.setFault('login-rejected');
    const context = await chromiumBrowser.newContext();
    try {
      const page = await context.newPage();
      await page.goto(`${reference.appUrl}/login`);
      await page.getByTestId('login-username').fill(REFERENCE_CREDENTIALS.username);
      await page.getByTestId('login-password').fill(REFERENCE_CREDENTIALS.password);
      await page.getByTestId('login-submit').click();
      await expect(page.getByTestId('login-error')).toHaveText('Invalid credentials');
      await page.goto(`${reference.appUrl}/login`);
      await page.getByTestId('oauth-button').click();
      await expect(page).toHaveURL(/\/login\?error=Invalid%20credentials$/);
      await expect(page.getByTestId('login-error')).toHaveText('Invalid credentials');
      expect(await page.evaluate(() => localStorage.getItem('jwt_token'))).toBeNull();
    } finally {
      await context.close();
    }
  });
});
