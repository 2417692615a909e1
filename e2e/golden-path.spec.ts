// The built-in journey, golden-path, written with the library a team writes its own journeys with
// (golden-path-probe/playwright): each session's chat sends the conversation's messages (PROBE_TURNS), one
// turn after the other's answer, then reloads and comes back to the conversation (PROBE_PERSISTENCE); the run
// is judged once, as a whole. Every step and wait is bounded; what a step could not do is recorded for the
// judge, which alone decides the verdict. With several sessions (PROBE_USERS) each converses at once in its
// own context; their first messages go together, and one session's failure never stops the others.

import type { ProbeConfig } from '../src/config/load';
import { expect, test, type Chat } from '../fixtures';

test('golden path', async ({ chats, journey, probeConfig }) => {
  const conversations = await Promise.allSettled(chats.map((chat) => converse(chat, probeConfig)));
  // Not a chat's step: the verdict is the judge's, and a run that did not pass is not a failure of the page.
  await test.step('judge', async () => {
    await expect(journey).toCompleteGoldenPath();
  });
  const failed = conversations.find((c): c is PromiseRejectedResult => c.status === 'rejected');
  if (failed) throw failed.reason;
});

/** One session's conversation: a turn a message, none after a turn that failed; then the reload. */
async function converse(chat: Chat, config: ProbeConfig): Promise<void> {
  if (!chat.ready) return;
  for (const text of config.messages) {
    const turn = await chat.send(text);
    const verdict = await turn.verdict();
    if (verdict.status === 'fail' || verdict.status === 'error') return;
  }
  if (config.persistence) await chat.reload();
}
