// Login strategies. Each one leaves the page logged in on the app and returns the user's id when it can
// learn it. Credentials go to the redactor before they are used, so that no error message can carry them.

import type { Locator, Page } from '@playwright/test';
import { request } from 'undici';
import type { ProbeConfig } from '../config/load';
import { ProbeStepError } from '../errors';
import type { Redactor } from '../redact';
import { userIdFromToken } from './token';

export interface LoginResult {
  userId: string | null;
}

const FORM = {
  username: '[data-testid="login-username"], input[name="username"], input[type="email"]',
  password: '[data-testid="login-password"], input[name="password"], input[type="password"]',
  submit: '[data-testid="login-submit"], button[type="submit"]',
  error: '[data-testid="login-error"], [role="alert"]',
};

/** The app keeps the access token here (Netra-like frontends). */
const TOKEN_STORAGE_KEY = 'jwt_token';

export async function login(page: Page, config: ProbeConfig, redactor: Redactor): Promise<LoginResult> {
  switch (config.login) {
    case 'form':
      return loginWithForm(page, config, redactor);
    case 'e2e-bypass':
      return loginWithBypass(page, config, redactor);
    case 'token':
      return loginWithToken(page, config, redactor);
  }
}

async function loginWithForm(page: Page, config: ProbeConfig, redactor: Redactor): Promise<LoginResult> {
  const timeout = config.stepTimeoutMs;
  await page.goto(`${config.appUrl}/login`, { timeout });
  await page.locator(FORM.username).first().fill(config.username ?? '', { timeout });
  await fillWithoutRecording(page.locator(FORM.password).first(), config.password ?? '', timeout);
  await page.locator(FORM.submit).first().click({ timeout });
  const outcome = await Promise.race([
    page.waitForURL((url) => !url.pathname.startsWith('/login'), { timeout }).then(() => 'left-login' as const),
    page.locator(FORM.error).first().waitFor({ state: 'visible', timeout }).then(() => 'error-shown' as const),
  ]).catch(() => 'timeout' as const);
  if (outcome === 'error-shown') {
    const said = (await page.locator(FORM.error).first().innerText().catch(() => '')).trim();
    throw new ProbeStepError('auth', `log in: the login form was rejected: "${redactor.redact(said)}" (still on /login)`);
  }
  if (outcome === 'timeout')
    throw new ProbeStepError('auth', `log in: the app neither left /login nor showed an error within ${timeout} ms`);
  return { userId: await learnStoredToken(page, redactor) };
}

async function loginWithBypass(page: Page, config: ProbeConfig, redactor: Redactor): Promise<LoginResult> {
  const url = `${config.authUrl}/auth/e2e/test-auth`;
  const timeout = config.stepTimeoutMs;
  let status: number;
  let body: unknown;
  try {
    const res = await request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-e2e-bypass-key': config.bypassKey ?? '' },
      body: JSON.stringify({ email: config.e2eEmail, name: 'Golden Path Probe' }),
      headersTimeout: timeout,
      bodyTimeout: timeout,
    });
    status = res.statusCode;
    body = await res.body.json().catch(() => undefined);
  } catch (err) {
    throw new ProbeStepError('transport', `log in: POST ${url} failed: ${redactor.redact((err as Error).message)}`);
  }
  if (status === 401 || status === 403)
    throw new ProbeStepError('auth', `log in: POST ${url} answered ${status}: the bypass key was refused`);
  const token = (body as { access_token?: unknown } | undefined)?.access_token;
  if (status !== 200 || typeof token !== 'string' || token === '')
    throw new ProbeStepError('auth', `log in: POST ${url} answered ${status} without an access_token`);
  redactor.add(token);
  const userId = (body as { user?: { id?: unknown } }).user?.id;
  // The app takes the token at its callback URL, as it does after an OAuth login.
  await gotoHidingSecrets(page, `${config.appUrl}/auth/callback?access_token=${encodeURIComponent(token)}`, timeout, redactor);
  await page.waitForURL((u) => !u.pathname.startsWith('/auth/callback'), { timeout }).catch(() => {
    throw new ProbeStepError('auth', `log in: the app stayed on /auth/callback for ${timeout} ms after the bypass login`);
  });
  return { userId: typeof userId === 'string' ? userId : userIdFromToken(token) };
}

async function loginWithToken(page: Page, config: ProbeConfig, redactor: Redactor): Promise<LoginResult> {
  const token = config.token ?? '';
  redactor.add(token);
  // localStorage belongs to the app's origin: open a page of it first, then seed the token.
  await page.goto(config.appUrl, { timeout: config.stepTimeoutMs });
  await page.evaluate(([key, value]) => localStorage.setItem(key, value), [TOKEN_STORAGE_KEY, token] as const);
  return { userId: userIdFromToken(token) };
}

/** Reads the token the app stored after login: to learn the user id, and to keep it out of every artifact. */
async function learnStoredToken(page: Page, redactor: Redactor): Promise<string | null> {
  const token = await page.evaluate((key) => localStorage.getItem(key), TOKEN_STORAGE_KEY).catch(() => null);
  if (!token) return null;
  redactor.add(token);
  return userIdFromToken(token);
}

/**
 * Playwright names each action in its reports with its arguments (`Fill "hunter2"`, `Navigate to "...?access_token=..."`).
 * Secrets therefore go into the page through evaluate, whose arguments the reports do not show.
 */
async function fillWithoutRecording(field: Locator, secret: string, timeout: number): Promise<void> {
  await field.waitFor({ state: 'visible', timeout });
  await field.evaluate((el, value) => {
    const input = el as HTMLInputElement;
    // The native setter, so that frameworks which track the value (React) see the change.
    Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')?.set?.call(input, value);
    input.dispatchEvent(new Event('input', { bubbles: true }));
    input.dispatchEvent(new Event('change', { bubbles: true }));
  }, secret);
}

async function gotoHidingSecrets(page: Page, url: string, timeout: number, redactor: Redactor): Promise<void> {
  try {
    await Promise.all([
      page.waitForEvent('load', { timeout }),
      // The evaluation may end with its page when the navigation starts first; the load event is what counts.
      page.evaluate((target) => window.location.assign(target), url).catch(() => undefined),
    ]);
  } catch (err) {
    throw new ProbeStepError('transport', `log in: opening the app's callback failed: ${redactor.redact((err as Error).message)}`);
  }
}
