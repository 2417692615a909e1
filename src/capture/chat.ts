// The chat page, as a person uses it: find the message box, type, send, read the answer. Selectors are the
// frontend's test ids (DESIGN.md); the answer selector is configurable because frontends differ there.

import type { Page } from '@playwright/test';
import { ProbeStepError } from '../errors';

export const CHAT = {
  textarea: '[data-testid="message-textarea"]',
  send: '[data-testid="send-button"]',
};

export async function openChat(page: Page, appUrl: string, loginPath: string, timeout: number): Promise<void> {
  if (!new URL(page.url(), appUrl).pathname.startsWith('/chat')) {
    const response = await page.goto(`${appUrl}/chat`, { timeout });
    if (response && response.status() >= 400)
      throw new ProbeStepError('transport', `open chat: GET ${appUrl}/chat answered ${response.status()}`);
  }
  const outcome = await Promise.race([
    page.locator(CHAT.textarea).waitFor({ state: 'visible', timeout }).then(() => 'chat' as const),
    page.waitForURL((u) => u.pathname.startsWith(loginPath), { timeout }).then(() => 'login' as const),
  ]).catch(() => 'timeout' as const);
  // Sent back to the login page: the app did not accept the login (a refused or expired token).
  if (outcome === 'login')
    throw new ProbeStepError('auth', `open chat: the app sent the probe back to ${loginPath}: it did not accept the login (token refused or expired)`);
  if (outcome === 'timeout')
    throw new ProbeStepError('ui-render', `open chat: expected the message box ${CHAT.textarea} within ${timeout} ms; it never appeared (page ${new URL(page.url()).pathname})`);
}

export async function typeMessage(page: Page, text: string, timeout: number): Promise<void> {
  await page.locator(CHAT.textarea).fill(text, { timeout });
}

export async function clickSend(page: Page, timeout: number): Promise<void> {
  await page.locator(CHAT.send).click({ timeout }).catch(() => {
    throw new ProbeStepError('ui-render', `send message: the send button ${CHAT.send} could not be clicked within ${timeout} ms`);
  });
}

/**
 * Waits until the last element matching `selector` shows text: the expected answer when it is known, else
 * any text. Returns what the page shows at the end (null when nothing), never throws on a timeout: an answer
 * that never appeared is evidence for the judge.
 */
export async function readAnswer(page: Page, selector: string, expected: string | null, timeout: number): Promise<string | null> {
  await page
    .waitForFunction(
      ([sel, want]) => {
        const all = document.querySelectorAll(sel);
        const text = (all[all.length - 1]?.textContent ?? '').replace(/\s+/g, ' ').trim();
        if (!text) return false;
        return want === null || text.includes(want.replace(/\s+/g, ' ').trim());
      },
      [selector, expected] as const,
      { timeout, polling: 100 },
    )
    .catch(() => undefined);
  return currentAnswer(page, selector);
}

export async function currentAnswer(page: Page, selector: string): Promise<string | null> {
  const text = await page
    .evaluate((sel) => {
      const all = document.querySelectorAll(sel);
      return all[all.length - 1]?.textContent ?? null;
    }, selector)
    .catch(() => null);
  const trimmed = text?.replace(/\s+/g, ' ').trim();
  return trimmed ? trimmed : null;
}
