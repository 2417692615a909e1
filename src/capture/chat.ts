// The chat page, as a person uses it: open it, find the message box, type, send. Where it is and what its
// controls are is configured (PROBE_CHAT_PATH, PROBE_MESSAGE_SELECTOR, PROBE_SEND_SELECTOR); what is left
// unset is found the way a person finds it: the test ids of the frontend this was built for (DESIGN.md)
// first, then by role and name, so that a typical chat app needs no selector at all. Everything that opens
// the chat (the golden path, a saved login's check) goes through here. The answer is read by visible-text.ts.

import type { Locator, Page } from '@playwright/test';
import type { ChatSettings, ProbeConfig } from '../config/load';
import { ProbeStepError } from '../errors';

/** The test ids of the platform's frontend: the first choice when no selector is configured. */
export const CHAT_TEST_IDS = { message: '[data-testid="message-textarea"]', send: '[data-testid="send-button"]' } as const;

/** One way to find a control; `said` names it in messages, so that an error says what was tried. */
interface Candidate {
  said: string;
  find: (page: Page) => Locator;
  /** Which visible match: a search field sits above the conversation and the message box below it. */
  pick: 'first' | 'last';
}

const bySelector = (selector: string): Candidate => ({ said: selector, find: (page) => page.locator(selector), pick: 'first' });

/** How long a single look at the page may take (counting matches, reading the message box). */
const LOOK_MS = 2_000;

export function messageBoxCandidates(chat: ChatSettings): Candidate[] {
  if (chat.messageSelector) return [bySelector(chat.messageSelector)];
  const textbox: Candidate = {
    said: 'a textbox',
    // role=textbox covers textarea, text inputs and elements that say so; a bare contenteditable has no role.
    find: (page) => page.getByRole('textbox').or(page.locator('[contenteditable]:not([contenteditable="false"])')),
    pick: 'last',
  };
  return [bySelector(CHAT_TEST_IDS.message), textbox];
}

/** The send controls to look for, in order; none: Enter. */
export function sendCandidates(chat: ChatSettings): Candidate[] {
  if (chat.send === 'enter') return [];
  if (chat.send) return [bySelector(chat.send.selector)];
  // "Send", "Send message", an icon button labelled "send"; not "Resend code".
  const named: Candidate = { said: 'a button named like "send"', find: (page) => page.getByRole('button', { name: /\bsend\b/i }), pick: 'first' };
  return [bySelector(CHAT_TEST_IDS.send), named];
}

/** What was tried, for messages: `[data-testid="message-textarea"], or a textbox`. */
export function tried(candidates: Candidate[]): string {
  return candidates.map((c) => c.said).join(', or ');
}

export function chatUrl(config: ProbeConfig): string {
  return `${config.appUrl}${config.chat.path}`;
}

/** On the chat page, or below it (a thread's own path); a chat at `/` only there. */
function onChatPage(pathname: string, path: string): boolean {
  return path === '/' ? pathname === '/' : pathname.startsWith(path);
}

/** Any visible match of any candidate: what "the control is there" waits for. */
function anyVisible(page: Page, candidates: Candidate[]): Locator {
  const [first, ...rest] = candidates.map((c) => c.find(page));
  return rest.reduce((all, l) => all.or(l), first!).filter({ visible: true }).first();
}

/** A control of the page, found, and what it was found as. */
export interface Control {
  said: string;
  locator: Locator;
}

/** The first candidate, in order, with a visible match on the page now; null when none has one. */
async function firstVisible(page: Page, candidates: Candidate[]): Promise<Control | null> {
  for (const c of candidates) {
    const visible = c.find(page).filter({ visible: true });
    if ((await within(visible.count(), LOOK_MS, 0)) > 0) return { said: c.said, locator: c.pick === 'last' ? visible.last() : visible.first() };
  }
  return null;
}

/** Waits until the chat shows its message box, or the app sends the probe to its login page instead. */
export async function chatOrLogin(page: Page, config: ProbeConfig, timeout: number): Promise<'chat' | 'login' | 'timeout'> {
  return Promise.race([
    anyVisible(page, messageBoxCandidates(config.chat))
      .waitFor({ state: 'visible', timeout })
      .then(() => 'chat' as const),
    page.waitForURL((u) => u.pathname.startsWith(config.loginPath), { timeout }).then(() => 'login' as const),
  ]).catch(() => 'timeout' as const);
}

/** Opens the chat page (unless the app is there already) and finds its message box. */
export async function openChat(page: Page, config: ProbeConfig, timeout: number): Promise<Control> {
  if (!onChatPage(new URL(page.url(), config.appUrl).pathname, config.chat.path)) {
    const url = chatUrl(config);
    const response = await page.goto(url, { timeout });
    if (response && response.status() >= 400) throw new ProbeStepError('transport', `open chat: GET ${url} answered ${response.status()}`);
  }
  const candidates = messageBoxCandidates(config.chat);
  const outcome = await chatOrLogin(page, config, timeout);
  // Sent back to the login page: the app did not accept the login (a refused or expired token).
  if (outcome === 'login')
    throw new ProbeStepError('auth', `open chat: the app sent the probe back to ${config.loginPath}: it did not accept the login (token refused or expired)`);
  const found = outcome === 'chat' ? await firstVisible(page, candidates) : null;
  if (found === null)
    throw new ProbeStepError(
      'ui-render',
      `open chat: expected the message box (${tried(candidates)}) within ${timeout} ms; it never appeared (page ${new URL(page.url()).pathname})`,
    );
  return found;
}

export async function typeMessage(box: Control, text: string, timeout: number): Promise<void> {
  await box.locator.fill(text, { timeout });
}

/** A send as the page got it: how it was done (for messages), and whether the message box still holds the message. */
export interface Send {
  how: string;
  stillTyped(): Promise<boolean>;
}

/** Sends what is typed: clicks the send control, or presses Enter where there is none (or PROBE_SEND_SELECTOR=enter). */
export async function sendMessage(page: Page, chat: ChatSettings, box: Control, text: string, timeout: number): Promise<Send> {
  // A box that cannot be read counts as still holding it: then only a frame or request confirms the send.
  const stillTyped = () => within(box.locator.evaluate(typedText, undefined, { timeout: LOOK_MS }), LOOK_MS, null).then((typed) => typed === null || typed.includes(text));
  const candidates = sendCandidates(chat);
  let control: Control | null = null;
  // A default control is used only when it is there; a configured one is waited for by the click.
  if (chat.send === undefined) control = await firstVisible(page, candidates);
  else if (candidates[0]) control = { said: candidates[0].said, locator: candidates[0].find(page).first() };
  if (!control) {
    await box.locator.press('Enter', { timeout }).catch(() => {
      throw new ProbeStepError('ui-render', `send message: Enter could not be pressed in the message box (${box.said}) within ${timeout} ms`);
    });
    return { how: 'Enter in the message box', stillTyped };
  }
  await control.locator.click({ timeout }).catch(() => {
    throw new ProbeStepError('ui-render', `send message: the send button ${control.said} could not be clicked within ${timeout} ms`);
  });
  return { how: `the click on ${control.said}`, stillTyped };
}

/** Runs in the page: what a message box holds (a field's value, an editable element's text). */
function typedText(el: Element): string {
  return el instanceof HTMLTextAreaElement || el instanceof HTMLInputElement ? el.value : (el.textContent ?? '');
}

/** A look at the page that cannot hang a step: a page that does not answer within `ms` gives `fallback`. */
async function within<T>(look: Promise<T>, ms: number, fallback: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<T>((resolve) => (timer = setTimeout(() => resolve(fallback), ms)));
  try {
    return await Promise.race([look.catch(() => fallback), late]);
  } finally {
    clearTimeout(timer);
  }
}
