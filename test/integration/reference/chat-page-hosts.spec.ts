// The chat page in Chromium: a cookie token, expiry, and the three hosts of the netra layout.
import { expect, type Page } from '@playwright/test';
import { findBrowser } from '../../../src/browser/resolve';
import { REFERENCE_CREDENTIALS } from '../../../reference/server';
import { issueToken } from '../../../reference/tokens';
import { login, netraTest } from './helpers';

netraTest.describe('chat page in Chromium: cookie token, expiry, netra hosts', () => {
  const found = findBrowser(process.env.PROBE_BROWSER_PATH);
  netraTest.skip('error' in found, 'error' in found ? found.error : '');

  async function askAndWait(page: Page, text: string): Promise<void> {
    await expect(page.getByTestId('send-button'), 'the send button, enabled once the socket is open').toBeEnabled();
    await page.getByTestId('message-textarea').fill(text);
    await page.getByTestId('send-button').click();
    // The last assistant message: the answer card here, the plain message of the platform's frontend (netra layout).
    await expect(page.locator('.message.assistant').last()).toHaveText(new RegExp(`^Reference answer for "${text}"`));
    await expect(page.getByTestId('thinking-indicator')).toBeHidden();
  }

  netraTest('a jwt_token cookie on the app origin alone: the page lands on /chat, keeps the token and renders an answer', async ({ reference, chromiumBrowser }) => {
    const { token } = await login(reference);
    const context = await chromiumBrowser.newContext();
    try {
      await context.addCookies([{ name: 'jwt_token', value: token, url: reference.appUrl }]);
      const page = await context.newPage();
      await page.goto(`${reference.appUrl}/chat`);
      await askAndWait(page, 'cookie only');
      expect(page.url()).toMatch(new RegExp(`^${reference.appUrl}/chat\\?thread=thread-[0-9a-f]+$`));
      expect(await page.evaluate(() => localStorage.getItem('jwt_token')), 'taken over into localStorage').toBe(token);
    } finally {
      await context.close();
    }
  });

  netraTest('an expired token (localStorage and cookie): the thread request answers 401, the page clears both and goes to /login', async ({ reference, chromiumBrowser }) => {
    const expired = issueToken(REFERENCE_CREDENTIALS.username, { ttlSec: -10 });
    const context = await chromiumBrowser.newContext();
    try {
      await context.addCookies([{ name: 'jwt_token', value: expired, url: reference.appUrl }]);
      const page = await context.newPage();
      await page.goto(`${reference.appUrl}/login`);
      await page.evaluate((t) => localStorage.setItem('jwt_token', t), expired);
      const api: string[] = [];
      page.on('response', (r) => {
        if (r.url().startsWith(`${reference.apiUrl}/api/`)) api.push(`${r.request().method()} ${new URL(r.url()).pathname} ${r.status()}`);
      });
      await page.goto(`${reference.appUrl}/chat`);
      await expect(page).toHaveURL(`${reference.appUrl}/login`);
      expect(api, 'one refused request, then straight to /login').toEqual(['POST /api/threads 401']);
      expect(await page.evaluate(() => localStorage.getItem('jwt_token'))).toBeNull();
      expect((await context.cookies(reference.appUrl)).filter((c) => c.name === 'jwt_token')).toEqual([]);

      // Only the cookie, expired: the same way out, and nothing left behind.
      await context.addCookies([{ name: 'jwt_token', value: expired, url: reference.appUrl }]);
      await page.goto(`${reference.appUrl}/chat`);
      await expect(page).toHaveURL(`${reference.appUrl}/login`);
      expect(await page.evaluate(() => localStorage.getItem('jwt_token'))).toBeNull();
      expect((await context.cookies(reference.appUrl)).filter((c) => c.name === 'jwt_token')).toEqual([]);
    } finally {
      await context.close();
    }
  });

  netraTest('netra layout: form login on the auth host, chat on the API host, the answer rendered on the app', async ({ netra, chromiumBrowser }) => {
    const context = await chromiumBrowser.newContext();
    try {
      const page = await context.newPage();
      const calls: string[] = [];
      const problems: string[] = [];
      page.on('request', (r) => {
        const u = new URL(r.url());
        if (u.pathname.startsWith('/api/') || u.pathname.startsWith('/auth/login')) calls.push(`${r.method()} ${u.origin}${u.pathname}`);
      });
      page.on('requestfailed', (r) => {
        // The page leaving /chat for /login while /chat still loads aborts that navigation: no problem.
        if (r.isNavigationRequest() && r.failure()?.errorText === 'net::ERR_ABORTED') return;
        problems.push(`${r.url()}: ${r.failure()?.errorText}`);
      });
      page.on('console', (m) => {
        if (m.type() === 'error') problems.push(m.text());
      });
      page.on('pageerror', (e) => problems.push(e.message));
      const sockets: string[] = [];
      page.on('websocket', (ws) => sockets.push(ws.url().replace(/ticket=[^&]+/, 'ticket=…')));

      await page.goto(`${netra.appUrl}/chat`);
      await expect(page).toHaveURL(`${netra.appUrl}/login`);
      await page.getByTestId('login-username').fill(REFERENCE_CREDENTIALS.username);
      await page.getByTestId('login-password').fill(REFERENCE_CREDENTIALS.password);
      await page.getByTestId('login-submit').click();
      // The platform's frontend keeps the conversation in the path.
      await expect(page).toHaveURL(new RegExp(`^${netra.appUrl}/chat/thread-[0-9a-f]+$`));
      await askAndWait(page, 'across three hosts');
      // As the platform's frontend: the response card is a report card, not the answer.
      await expect(page.getByTestId('response-card')).toHaveText(/^Report ready/);

      // The conversation list is read after the thread is made, and again once the run's first frame is in.
      expect(calls).toEqual([
        `POST ${netra.authUrl}/auth/login`,
        `POST ${netra.apiUrl}/api/threads`,
        `GET ${netra.apiUrl}/api/threads`,
        `POST ${netra.apiUrl}/api/websocket/ticket`,
        `GET ${netra.apiUrl}/api/threads`,
      ]);
      expect(sockets).toEqual([`${netra.apiUrl.replace(/^http/, 'ws')}/ws?ticket=…`]);
      expect(problems, 'failed requests, console errors (CORS), script errors').toEqual([]);
    } finally {
      await context.close();
    }
  });
});
