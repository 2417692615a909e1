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

/** How often the probe looks at the page while it waits for the answer to become visible. */
const ANSWER_POLL_MS = 100;

/** `the page`, or the answer selector: where the probe reads what a person sees. */
export function answerScope(selector: string | undefined): string {
  return selector ?? 'the page';
}

/**
 * The text a person can see: the page's whole visible text, or that of every match of `selector`. Hidden
 * nodes (display:none, visibility:hidden, opacity 0, no box) never count, even when they hold text: an
 * answer in the DOM that nobody can see is not rendered. Null when the page could not be read.
 */
export async function visibleText(page: Page, selector: string | undefined): Promise<string | null> {
  return page.evaluate(readVisibleText, selector ?? null).catch(() => null);
}

/**
 * Reads the page until `shown(text)` holds or `timeout` ms passed; returns the last text read (null: the
 * page could not be read). Never throws: an answer that never became visible is evidence for the judge.
 */
export async function waitForVisibleText(page: Page, selector: string | undefined, shown: (text: string) => boolean, timeout: number): Promise<string | null> {
  const deadline = Date.now() + timeout;
  for (;;) {
    const text = await visibleText(page, selector);
    if ((text !== null && shown(text)) || Date.now() >= deadline || page.isClosed()) return text;
    await new Promise((resolve) => setTimeout(resolve, Math.min(ANSWER_POLL_MS, Math.max(0, deadline - Date.now()))));
  }
}

/** Runs in the page, serialized by Playwright: it must not reference anything outside its own body. */
function readVisibleText(selector: string | null): string {
  const SKIP = new Set(['SCRIPT', 'STYLE', 'NOSCRIPT', 'TEMPLATE', 'HEAD', 'TITLE']);
  const seen = new Map<Element, boolean>();
  const visible = (el: Element): boolean => {
    const known = seen.get(el);
    if (known !== undefined) return known;
    const style = getComputedStyle(el);
    // An element with display: contents has no box of its own: its parent's tells.
    if (style.display === 'contents' && el.parentElement !== null && style.visibility === 'visible') return visible(el.parentElement);
    const rect = el.getBoundingClientRect();
    const check = (el as Element & { checkVisibility?: (o: object) => boolean }).checkVisibility;
    const shown =
      !SKIP.has(el.tagName) &&
      el.getClientRects().length > 0 &&
      rect.width > 0 &&
      rect.height > 0 &&
      (check ? check.call(el, { checkOpacity: true, checkVisibilityCSS: true }) : style.visibility === 'visible' && style.opacity !== '0');
    seen.set(el, shown);
    return shown;
  };
  const roots: Element[] = selector === null ? [document.body] : Array.from(document.querySelectorAll(selector));
  const parts: string[] = [];
  for (const root of roots) {
    if (!root || !visible(root)) continue;
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node !== null; node = walker.nextNode()) {
      const parent = node.parentElement;
      const text = node.nodeValue ?? '';
      if (parent !== null && text.trim() !== '' && visible(parent)) parts.push(text);
    }
  }
  return parts.join(' ').replace(/\s+/g, ' ').trim();
}
