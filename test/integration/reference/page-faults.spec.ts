// The chat page under the faults of the platform's own frontend: where the answer is shown, whether a
// person can see it, markdown, an answer already there before the send, and the page's other sockets.
import { expect } from '@playwright/test';
import { test, openChat, ask, agentSockets, kinds } from './helpers';

test.describe('chat page in Chromium: where and how the answer shows', () => {
  test('answer-in-message-list: the summary is a plain assistant message; the response-card is a report card without it', async ({ reference, chromiumBrowser }) => {
    reference.setFault('answer-in-message-list');
    const { page, context, errors } = await openChat(chromiumBrowser, reference);
    try {
      await ask(page, 'as a message');
      const message = page.locator('#messages > .message.assistant');
      await expect(message).toHaveText(/^Reference answer for "as a message"/);
      await expect(message.locator('[data-testid]')).toHaveCount(0);
      await expect(page.getByTestId('response-card')).toHaveText(/^Report ready/);
      await expect(page.getByTestId('response-card')).not.toContainText('as a message');
      await expect(page.getByTestId('thinking-indicator')).toBeHidden();
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  test('answer-hidden: the answer is in the DOM but nobody can see it', async ({ reference, chromiumBrowser }) => {
    reference.setFault('answer-hidden');
    const { page, context } = await openChat(chromiumBrowser, reference);
    try {
      await ask(page, 'hidden in the DOM');
      const card = page.getByTestId('response-card');
      await expect(card).toHaveText(/^Reference answer for "hidden in the DOM"/);
      await expect(card).toBeHidden();
      await expect(page.getByTestId('thinking-indicator')).toBeHidden();
      expect(await page.evaluate(() => document.body.innerText)).not.toContain('Reference answer for');
    } finally {
      await context.close();
    }
  });

  test('answer-markdown: bold, a list, a link and inline code rendered as HTML', async ({ reference, chromiumBrowser }) => {
    reference.setFault('answer-markdown');
    const { page, context, errors } = await openChat(chromiumBrowser, reference);
    try {
      await ask(page, 'in markdown');
      const card = page.getByTestId('response-card');
      await expect(card.locator('strong')).toHaveText('Reference answer');
      await expect(card.locator('li')).toHaveCount(2);
      await expect(card.locator('a')).toHaveAttribute('href', '/usage/peak');
      await expect(card.locator('code')).toHaveText('usage_lookup');
      const shown = await card.innerText();
      expect(shown).toContain('Reference answer for "in markdown":');
      expect(shown).not.toMatch(/\*\*|\]\(|`/);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  test('stale-answer: the earlier exchange is visible on load; after the send nothing new is rendered', async ({ reference, chromiumBrowser }) => {
    reference.setFault('stale-answer');
    const { page, context, sockets } = await openChat(chromiumBrowser, reference);
    try {
      await expect(page.getByTestId('response-card')).toHaveText('Your usage is within the plan limits.');
      await ask(page, 'anything new?');
      await expect(page.getByTestId('thinking-indicator')).toBeHidden();
      // The answer frame comes right after the completion that hid the indicator.
      await expect.poll(() => kinds(agentSockets(sockets)[0]?.received ?? []), { message: 'the agent_response at the page' }).toContain('agent_response');
      await expect(page.getByTestId('response-card')).toHaveCount(1);
    } finally {
      await context.close();
    }
  });

  test('dev-sockets: presence and hot reload open beside the chat socket; the answer renders', async ({ reference, chromiumBrowser }) => {
    reference.setFault('dev-sockets');
    const { page, context, sockets, errors } = await openChat(chromiumBrowser, reference);
    try {
      await ask(page, 'with dev sockets');
      await expect(page.getByTestId('response-card')).toHaveText(/^Reference answer for "with dev sockets"/);
      expect(sockets.map((s) => new URL(s.url).pathname).sort()).toEqual(['/_next/webpack-hmr', '/ws', '/ws/presence']);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  test('presence-socket+ticket-500: the ticket answers 500, the chat socket never opens, and the page still lets the user send', async ({ reference, chromiumBrowser }) => {
    reference.setFault('presence-socket+ticket-500');
    const { page, context, sockets } = await openChat(chromiumBrowser, reference);
    try {
      const ticket = page.waitForResponse((r) => r.url().endsWith('/api/websocket/ticket'));
      expect((await ticket).status()).toBe(500);
      await ask(page, 'nobody listens');
      await expect(page.locator('#messages').getByText('nobody listens')).toBeVisible();
      expect(sockets.map((s) => new URL(s.url).pathname)).toEqual(['/ws/presence']);
      await expect(page.getByTestId('thinking-indicator')).toBeVisible();
    } finally {
      await context.close();
    }
  });
});
