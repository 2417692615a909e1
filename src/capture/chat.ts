// The chat page, as a person uses it: find the message box, type, send. Selectors are the frontend's test
// ids (DESIGN.md). What the page shows of the answer is read by visible-text.ts.

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
