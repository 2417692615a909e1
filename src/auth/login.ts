// Login strategies. Each one leaves the page logged in on the app and returns the user's id when it can
// learn it. Credentials go to the redactor before they are used, so that no error message can carry them,
// and into the page only through evaluate: Playwright's reports print the arguments of `fill` and `goto`.

import type { Locator, Page } from '@playwright/test';
import type { ProbeConfig } from '../config/load';
import { ProbeStepError } from '../errors';
import type { Redactor } from '../redact';
import { learnCredentialFields, learnSetCookies } from '../capture/credentials';
import { traceContextOf, type TraceContext } from '../capture/trace-context';
import { resumeFromState } from './storage-state';
import { userOfToken, type LoginUser } from './token';

export type LoginResult = LoginUser;

/**
 * Logs in: first through a loaded storage state when there is one, else with the configured strategy;
 * a fresh login is then saved to PROBE_STORAGE_STATE for the next run.
 */
export async function login(page: Page, config: ProbeConfig, redactor: Redactor, stateLoaded: boolean): Promise<LoginResult> {
  if (stateLoaded) {
    const resumed = await resumeFromState(page, config, redactor);
    if (resumed) return resumed;
  }
  const result = await loginWithStrategy(page, config, redactor);
  if (config.storageState && config.login !== 'storage-state') await page.context().storageState({ path: config.storageState });
  return result;
}

async function loginWithStrategy(page: Page, config: ProbeConfig, redactor: Redactor): Promise<LoginResult> {
  switch (config.login) {
    case 'form':
      return loginWithForm(page, config, redactor);
    case 'e2e-bypass':
      return handOverToken(page, config, redactor, await bypassToken(config, redactor, traceContextOf(page)));
    case 'token':
      redactor.add(config.token);
      return handOverToken(page, config, redactor, { token: config.token ?? '', userId: null });
    case 'storage-state':
      // The state was loaded into the browser context; reaching here means it did not log the app in.
      throw new ProbeStepError(
        'auth',
        `log in: the storage state ${config.storageState} no longer logs in (expired or revoked); write a new one with \`golden-path-probe login --save ${config.storageState}\``,
      );
  }
}

async function loginWithForm(page: Page, config: ProbeConfig, redactor: Redactor): Promise<LoginResult> {
  const timeout = config.stepTimeoutMs;
  const { selectors } = config;
  if (!new URL(page.url(), config.appUrl).pathname.startsWith(config.loginPath))
    await page.goto(`${config.appUrl}${config.loginPath}`, { timeout });
  await page.locator(selectors.username).first().fill(config.username ?? '', { timeout });
  await fillWithoutRecording(page.locator(selectors.password).first(), config.password ?? '', timeout);
  await page.locator(selectors.submit).first().click({ timeout });
  const loggedIn = selectors.success
    ? page.locator(selectors.success).first().waitFor({ state: 'visible', timeout })
    : page.waitForURL((url) => !url.pathname.startsWith(config.loginPath), { timeout });
  const outcome = await Promise.race([
    loggedIn.then(() => 'logged-in' as const),
    page.locator(selectors.error).first().waitFor({ state: 'visible', timeout }).then(() => 'error-shown' as const),
  ]).catch(() => 'timeout' as const);
  if (outcome === 'error-shown') {
    const said = (await page.locator(selectors.error).first().innerText().catch(() => '')).trim();
    throw new ProbeStepError('auth', `log in: the login form was rejected: "${redactor.redact(said)}" (still on ${config.loginPath})`);
  }
  if (outcome === 'timeout') {
    const success = selectors.success ? `showed ${selectors.success}` : `left ${config.loginPath}`;
    throw new ProbeStepError('auth', `log in: the app neither ${success} nor showed an error within ${timeout} ms`);
  }
  return userOfToken(await learnStoredToken(page, config, redactor));
}

/** The e2e bypass endpoint: credentials for automation, answered with a token (DESIGN.md). */
async function bypassToken(config: ProbeConfig, redactor: Redactor, trace: TraceContext | undefined): Promise<{ token: string; userId: string | null }> {
  const url = `${config.authUrl}/auth/e2e/test-auth`;
  const timeout = config.stepTimeoutMs;
  let status: number;
  let body: unknown;
  try {
    // Loaded here, not with the login: only this strategy needs it (npm run bench: 40 ms of each process's start).
    const { request } = await import('undici');
    const res = await request(url, {
      method: 'POST',
      // The session's trace context on the probe's own request to the target too (PROBE_TRACE_PROPAGATION).
      headers: { 'content-type': 'application/json', 'x-e2e-bypass-key': config.bypassKey ?? '', ...trace?.headersFor('POST', url, 'login') },
      body: JSON.stringify({ email: config.e2eEmail, name: 'Golden Path Probe' }),
      headersTimeout: timeout,
      bodyTimeout: timeout,
    });
    status = res.statusCode;
    body = await res.body.json().catch(() => undefined);
    // The refresh token and any session cookie beside the access token: none of them may reach an artifact.
    learnSetCookies(res.headers['set-cookie'], redactor);
    learnCredentialFields(body, redactor);
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
  return { token, userId: typeof userId === 'string' ? userId : null };
}

/** Hands a token to the app the way it expects it (PROBE_TOKEN_HANDOFF), then checks the app took it. */
async function handOverToken(
  page: Page,
  config: ProbeConfig,
  redactor: Redactor,
  { token, userId }: { token: string; userId: string | null },
): Promise<LoginResult> {
  const timeout = config.stepTimeoutMs;
  const key = config.tokenStorageKey;
  if (config.tokenHandoff === 'callback') {
    // The app takes the token at its callback URL, as it does after an OAuth login.
    await navigateHidingSecrets(page, `${config.appUrl}${config.callbackPath}?access_token=${encodeURIComponent(token)}`, timeout, redactor);
    await page.waitForURL((u) => !u.pathname.startsWith(config.callbackPath), { timeout }).catch(() => {
      throw new ProbeStepError('auth', `log in: the app stayed on ${config.callbackPath} for ${timeout} ms after the token was handed over`);
    });
  } else if (config.tokenHandoff === 'cookie') {
    const { hostname, protocol } = new URL(config.appUrl);
    await page.context().addCookies([{ name: key, value: token, domain: hostname, path: '/', secure: protocol === 'https:', sameSite: 'Lax' }]);
  } else {
    // localStorage belongs to the app's origin: be on a page of it, then seed the token.
    if (new URL(page.url(), config.appUrl).origin !== new URL(config.appUrl).origin) await page.goto(config.appUrl, { timeout });
    await page.evaluate(([k, v]) => localStorage.setItem(k, v), [key, token] as const);
  }
  return userId !== null ? { userId, userIdIsHint: false } : userOfToken(token);
}

/** Reads the token the app stored after login: to learn the user id, and to keep it out of every artifact. */
async function learnStoredToken(page: Page, config: ProbeConfig, redactor: Redactor): Promise<string | null> {
  const key = config.tokenStorageKey;
  const stored = await page.evaluate((k) => localStorage.getItem(k), key).catch(() => null);
  const cookie = (await page.context().cookies()).find((c) => c.name === key)?.value;
  const token = stored ?? cookie;
  if (!token) return null;
  redactor.add(token);
  return token;
}

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

async function navigateHidingSecrets(page: Page, url: string, timeout: number, redactor: Redactor): Promise<void> {
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
