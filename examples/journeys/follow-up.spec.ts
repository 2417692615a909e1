// A journey a team would write: ask, follow up in the same conversation, come back to it after a reload, and
// check both answers. Run it with `golden-path-probe run --journeys examples/journeys` (README: Your own
// journeys): it gets every report, its history and its alerts, under the name `ask-follow-up-and-come-back` (its title's words).

import { expect, test } from 'golden-path-probe/playwright';

test('ask, follow up and come back', async ({ chat }) => {
  const first = await chat.send('What drove my costs last month?');
  await expect(first).toCompleteGoldenPath();
  await expect(first).toHaveEvent('tool_executing');

  const second = await chat.send('And the month before?');
  await expect(second).toCompleteGoldenPath();
  await expect(second).toShowAnswer();

  await chat.reload();
  await expect(chat).toKeepConversation();
});
