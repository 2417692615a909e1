// The chat page keeps conversations as a real app does, in Chromium: the thread in the URL, a reload that
// shows the history, the conversation list, follow-ups in the same thread, and the faults that break them.
import { expect, type Page } from '@playwright/test';
import { PLAIN_PATHS, PLAIN_TOKEN_KEY, type ReferenceServer } from '../../../reference/server';
import { WAIT_MS, test, netraTest, call, bearer, login, openChat, ask, agentSockets, type PageSocket } from './helpers';

/** The messages the page sent on its agent sockets (pongs left out), parsed. */
const sentMessages = (sockets: PageSocket[]) =>
  agentSockets(sockets)
    .flatMap((s) => s.sent.map((f) => JSON.parse(f)))
    .filter((m) => m.type !== 'pong')
    .map((m) => ({ type: m.type, thread_id: m.payload?.thread_id }));

/** The run ids of agent_started frames the page received, in order, each once. */
const runIds = (sockets: PageSocket[]) => [
  ...new Set(
    agentSockets(sockets)
      .flatMap((s) => s.received.map((f) => JSON.parse(f)))
      .filter((f) => f.type === 'agent_started')
      .map((f) => f.run_id),
  ),
];

const THREAD_QUERY = /\/chat\?thread=(thread-[0-9a-f]+)$/;

/** The thread the page's URL names (?thread=<id>), once it names one. */
async function threadOfUrl(page: Page): Promise<string> {
  await expect(page, 'the thread in the URL').toHaveURL(THREAD_QUERY);
  return THREAD_QUERY.exec(page.url())?.[1] ?? '';
}

/** Asks and waits until the page shows `count` answer cards, the last one answering `text`. */
async function askAndSee(page: Page, text: string, count: number): Promise<void> {
  await ask(page, text);
  await expect(page.getByTestId('response-card')).toHaveCount(count);
  await expect(page.getByTestId('response-card').last()).toHaveText(new RegExp(`^Reference answer for "${text}"`));
  await expect(page.getByTestId('thinking-indicator')).toBeHidden();
}

const messagesHtml = (page: Page) => page.locator('#messages').innerHTML();
const listedIds = (page: Page) => page.locator('[data-testid="thread-list"] [data-thread-id]').evaluateAll((items) => items.map((i) => i.getAttribute('data-thread-id')));
const tokenOf = (page: Page) => page.evaluate(() => localStorage.getItem('jwt_token') ?? '');

async function storedRoles(reference: ReferenceServer, token: string, threadId: string): Promise<string[]> {
  const res = await call('GET', `${reference.apiUrl}/api/threads/${threadId}/messages`, undefined, bearer(token));
  expect(res.status).toBe(200);
  return res.json.messages.map((m: { role: string; content: string }) => `${m.role}: ${m.content.slice(0, 30)}`);
}

test.describe('conversations in Chromium', () => {
  test('the thread is in the URL; a reload shows the history as it was shown live and goes on in that thread: a user_message, a new run', async ({ reference, chromiumBrowser }) => {
    const { page, context, sockets, errors } = await openChat(chromiumBrowser, reference);
    try {
      const threadId = await threadOfUrl(page);
      await askAndSee(page, 'first question', 1);
      await askAndSee(page, 'second question', 2);
      const live = await messagesHtml(page);
      expect(await page.locator('#messages > .message').allInnerTexts()).toEqual([
        'first question',
        expect.stringMatching(/^Reference answer for "first question"/),
        'second question',
        expect.stringMatching(/^Reference answer for "second question"/),
      ]);

      await page.reload();
      await expect(page).toHaveURL(`${reference.appUrl}/chat?thread=${threadId}`);
      // The same markup as live: user bubbles, answers in their cards.
      await expect(page.locator('#messages'), 'the history rendered as the live messages were').toHaveJSProperty('innerHTML', live);
      await expect(page.getByTestId(`thread-item-${threadId}`)).toHaveAttribute('aria-current', 'true');

      await askAndSee(page, 'third question', 3);
      expect(sentMessages(sockets)).toEqual([
        { type: 'start_agent', thread_id: threadId },
        { type: 'user_message', thread_id: threadId },
        { type: 'user_message', thread_id: threadId },
      ]);
      expect(new Set(runIds(sockets)).size, 'a run of its own each turn').toBe(3);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  test('the conversation list: refreshed after a send, newest first; clicking an item loads that thread and puts it in the URL; /chat alone is a new chat', async ({ reference, chromiumBrowser }) => {
    const { page, context, sockets, errors } = await openChat(chromiumBrowser, reference);
    try {
      const alpha = await threadOfUrl(page);
      await expect(page.getByTestId('thread-list')).toBeVisible();
      await askAndSee(page, 'alpha question', 1);
      const item = page.getByTestId(`thread-item-${alpha}`);
      await expect(item, 'listed after the send, without a reload').toHaveText('alpha question');
      await expect(item).toHaveAttribute('data-thread-id', alpha);

      await page.getByTestId('new-chat-button').click();
      await expect(page).not.toHaveURL(`${reference.appUrl}/chat?thread=${alpha}`);
      const beta = await threadOfUrl(page);
      await expect(page.locator('#messages > .message')).toHaveCount(0);
      await askAndSee(page, 'beta question', 1);
      await expect.poll(() => listedIds(page), { message: 'newest first' }).toEqual([beta, alpha]);

      await item.click();
      await expect(page).toHaveURL(`${reference.appUrl}/chat?thread=${alpha}`);
      await expect(page.locator('#messages > .message')).toHaveText(['alpha question', /^Reference answer for "alpha question"/]);
      await expect(item).toHaveAttribute('aria-current', 'true');
      await askAndSee(page, 'alpha again', 2);

      // A new page load at /chat is a new, empty chat.
      await page.goto(`${reference.appUrl}/chat`);
      const gamma = await threadOfUrl(page);
      expect([alpha, beta]).not.toContain(gamma);
      await expect(page.getByTestId(`thread-item-${alpha}`)).toBeVisible();
      await expect(page.locator('#messages > .message')).toHaveCount(0);

      expect(sentMessages(sockets)).toEqual([
        { type: 'start_agent', thread_id: alpha },
        { type: 'start_agent', thread_id: beta },
        { type: 'user_message', thread_id: alpha },
      ]);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  test('a thread that is not the user\'s in the URL: "Conversation not found", and a new thread', async ({ reference, chromiumBrowser }) => {
    const { page, context } = await openChat(chromiumBrowser, reference);
    try {
      const own = await threadOfUrl(page);
      await page.goto(`${reference.appUrl}/chat?thread=thread-000000000000`);
      await expect(page.getByText('Conversation not found')).toBeVisible();
      const fresh = await threadOfUrl(page);
      expect(fresh).not.toBe(own);
    } finally {
      await context.close();
    }
  });

  test('send-over-rest: after a reload the next execute carries the same thread', async ({ reference, chromiumBrowser }) => {
    reference.setFault('send-over-rest');
    const { page, context } = await openChat(chromiumBrowser, reference);
    try {
      const threadId = await threadOfUrl(page);
      await askAndSee(page, 'over rest once', 1);
      await page.reload();
      await expect(page.getByTestId('response-card')).toHaveCount(1);
      const execute = page.waitForRequest((r) => r.url().endsWith('/api/agent/v2/execute'), { timeout: WAIT_MS });
      await askAndSee(page, 'over rest twice', 2);
      expect((await execute).postDataJSON()).toMatchObject({ message: 'over rest twice', thread_id: threadId });
    } finally {
      await context.close();
    }
  });

  test('thread-not-in-url: healthy; the URL stays /chat, a reload opens a new empty chat, and the list brings the conversation back', async ({ reference, chromiumBrowser }) => {
    reference.setFault('thread-not-in-url');
    const { page, context, sockets, errors } = await openChat(chromiumBrowser, reference);
    try {
      await askAndSee(page, 'find me again', 1);
      expect(page.url()).toBe(`${reference.appUrl}/chat`);
      const [first] = sentMessages(sockets);
      const threadId = first?.thread_id as string;
      const shown = await messagesHtml(page);

      await page.reload();
      await expect(page.getByTestId('send-button')).toBeEnabled();
      await expect(page.locator('#messages > .message'), 'a new, empty chat').toHaveCount(0);
      await page.getByTestId(`thread-item-${threadId}`).click();
      await expect(page.locator('#messages')).toHaveJSProperty('innerHTML', shown);
      expect(page.url()).toBe(`${reference.appUrl}/chat`);
      await askAndSee(page, 'and again', 2);
      expect(sentMessages(sockets)).toEqual([
        { type: 'start_agent', thread_id: threadId },
        { type: 'user_message', thread_id: threadId },
      ]);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  test('not-persisted: the live answer renders; after a reload the thread shows the message without its answer', async ({ reference, chromiumBrowser }) => {
    reference.setFault('not-persisted');
    const { page, context } = await openChat(chromiumBrowser, reference);
    try {
      const threadId = await threadOfUrl(page);
      await askAndSee(page, 'lost answer', 1);
      await page.reload();
      // The history is rendered at once: with the message there, nothing more is coming.
      await expect(page.locator('#messages > .message')).toHaveText(['lost answer']);
      await expect(page.getByTestId('response-card')).toHaveCount(0);
      expect(await storedRoles(reference, await tokenOf(page), threadId)).toEqual(['user: lost answer']);
    } finally {
      await context.close();
    }
  });

  test('persisted-not-shown: the live answer renders and is stored; a reload (or the list) shows nothing of the thread; a live answer still renders', async ({ reference, chromiumBrowser }) => {
    reference.setFault('persisted-not-shown');
    const { page, context } = await openChat(chromiumBrowser, reference);
    try {
      const threadId = await threadOfUrl(page);
      await askAndSee(page, 'stored answer', 1);
      const loaded = page.waitForResponse((r) => r.url().includes(`/api/threads/${threadId}/messages`), { timeout: WAIT_MS });
      await page.reload();
      expect((await loaded).status()).toBe(200);
      await expect(page.getByTestId('send-button')).toBeEnabled();
      await expect(page.locator('#messages > .message')).toHaveCount(0);
      const again = page.waitForResponse((r) => r.url().includes(`/api/threads/${threadId}/messages`), { timeout: WAIT_MS });
      await page.getByTestId(`thread-item-${threadId}`).click();
      await again;
      await expect(page.locator('#messages > .message')).toHaveCount(0);
      expect(await storedRoles(reference, await tokenOf(page), threadId)).toEqual(['user: stored answer', 'assistant: Reference answer for "stored a']);
      await askAndSee(page, 'live one', 1);
    } finally {
      await context.close();
    }
  });

  test('follow-up-new-thread: one turn is healthy (a reload shows it); the second message goes to a new thread while the URL keeps the first, which a reload shows alone', async ({ reference, chromiumBrowser }) => {
    reference.setFault('follow-up-new-thread');
    const { page, context, sockets } = await openChat(chromiumBrowser, reference);
    try {
      const first = await threadOfUrl(page);
      await askAndSee(page, 'turn one', 1);
      await page.reload();
      await expect(page.locator('#messages > .message'), 'a single turn is healthy').toHaveText(['turn one', /^Reference answer for "turn one"/]);

      await askAndSee(page, 'turn two', 2);
      const sent = sentMessages(sockets);
      expect(sent[0]).toEqual({ type: 'start_agent', thread_id: first });
      expect(sent[1]?.type).toBe('start_agent');
      expect(sent[1]?.thread_id).not.toBe(first);
      expect(page.url()).toBe(`${reference.appUrl}/chat?thread=${first}`);

      await page.reload();
      await expect(page.locator('#messages > .message'), 'the first exchange only').toHaveText(['turn one', /^Reference answer for "turn one"/]);
      await expect.poll(() => listedIds(page), { message: 'two threads listed' }).toEqual([sent[1]?.thread_id, first]);
    } finally {
      await context.close();
    }
  });

  test('follow-up-stale-answer: one turn is healthy; the second turn shows the first answer again while its frames carry its own', async ({ reference, chromiumBrowser }) => {
    reference.setFault('follow-up-stale-answer');
    const { page, context, sockets } = await openChat(chromiumBrowser, reference);
    try {
      await askAndSee(page, 'first ask', 1);
      await ask(page, 'second ask');
      await expect(page.getByTestId('response-card')).toHaveCount(2);
      await expect(page.getByTestId('response-card').nth(1)).toHaveText(/^Reference answer for "first ask"/);
      const answers = agentSockets(sockets)
        .flatMap((s) => s.received.map((f) => JSON.parse(f)))
        .filter((f) => f.type === 'agent_response')
        .map((f) => f.payload.content);
      expect(answers).toEqual([expect.stringMatching(/^Reference answer for "first ask"/), expect.stringMatching(/^Reference answer for "second ask"/)]);
      expect(new Set(runIds(sockets)).size).toBe(2);
    } finally {
      await context.close();
    }
  });

  test('the plain frontend keeps the conversation in its URL (?c=<id>): a reload shows the history and goes on in the thread', async ({ plainStaging, chromiumBrowser }) => {
    const { token } = await login(plainStaging);
    const context = await chromiumBrowser.newContext();
    try {
      const page = await context.newPage();
      await page.addInitScript(([key, t]) => localStorage.setItem(key, t), [PLAIN_TOKEN_KEY, token] as const);
      const sent: string[] = [];
      let greetings = 0;
      page.on('websocket', (ws) => {
        ws.on('framesent', (f) => sent.push(String(f.payload)));
        ws.on('framereceived', (f) => {
          if (String(f.payload).includes('"connection_established"')) greetings++;
        });
      });
      const composer = page.getByRole('textbox', { name: 'Message the assistant' });
      await page.goto(`${plainStaging.appUrl}${PLAIN_PATHS.chat}`);
      await expect(page).toHaveURL(new RegExp(`${PLAIN_PATHS.chat}\\?c=thread-[0-9a-f]+$`));
      const url = page.url();
      // This page sends only on an open socket: its greeting says it is open.
      await expect.poll(() => greetings, { message: 'the socket greeted' }).toBe(1);
      await composer.fill('plain first');
      await composer.press('Enter');
      await expect(page.locator('.turn-assistant')).toHaveText([/^Reference answer for "plain first"/]);

      await page.reload();
      expect(page.url()).toBe(url);
      await expect(page.locator('.turn')).toHaveText(['plain first', /^Reference answer for "plain first"/]);
      await expect.poll(() => greetings, { message: 'the new socket greeted' }).toBe(2);
      await composer.fill('plain second');
      await composer.press('Enter');
      await expect(page.locator('.turn-assistant')).toHaveText([/^Reference answer for "plain first"/, /^Reference answer for "plain second"/]);
      const threadId = new URL(url).searchParams.get('c');
      const types = sent.map((m) => JSON.parse(m)).filter((m) => m.type !== 'pong').map((m) => `${m.type} ${m.payload.thread_id}`);
      expect(types).toEqual([`start_agent ${threadId}`, `user_message ${threadId}`]);
    } finally {
      await context.close();
    }
  });
});

netraTest.describe('conversations in Chromium: the netra layout', () => {
  netraTest('the conversation at /chat/<id>: a reload shows the history in the message list, with the same list test ids; a follow-up in the same thread', async ({ netra, chromiumBrowser }) => {
    const { page, context, sockets, errors } = await openChat(chromiumBrowser, netra);
    try {
      await expect(page).toHaveURL(new RegExp(`^${netra.appUrl}/chat/thread-[0-9a-f]+$`));
      const threadId = new URL(page.url()).pathname.split('/')[2] ?? '';
      const lastAnswer = page.locator('#messages > .message.assistant').last();
      await ask(page, 'netra one');
      await expect(lastAnswer).toHaveText(/^Reference answer for "netra one"/);
      await expect(page.getByTestId('thinking-indicator')).toBeHidden();
      const live = await messagesHtml(page);

      await page.reload();
      await expect(page).toHaveURL(`${netra.appUrl}/chat/${threadId}`);
      await expect(page.locator('#messages')).toHaveJSProperty('innerHTML', live);
      await expect(page.getByTestId('thread-list').getByTestId(`thread-item-${threadId}`)).toHaveAttribute('data-thread-id', threadId);

      await ask(page, 'netra two');
      await expect(lastAnswer).toHaveText(/^Reference answer for "netra two"/);
      expect(sentMessages(sockets)).toEqual([
        { type: 'start_agent', thread_id: threadId },
        { type: 'user_message', thread_id: threadId },
      ]);
      expect(new Set(runIds(sockets)).size).toBe(2);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
