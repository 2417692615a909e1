// The golden path, as named steps: open the target, log in, open the chat, send a message carrying a
// unique nonce, wait for the run's final agent_completed and the rendered answer, judge. Each step and each
// wait is bounded; what a step could not do is recorded for the judge, which alone decides the verdict.

import { login } from '../src/auth/login';
import { usableStorageState } from '../src/auth/storage-state';
import { clickSend, openChat, typeMessage } from '../src/capture/chat';
import { ProbeStepError } from '../src/errors';
import { expect, test } from '../fixtures/run';

test('golden path', async ({ page, probeRun: run, probeConfig: config }) => {
  const step = <T>(name: string, cls: Parameters<typeof run.step>[1], body: () => Promise<T>) =>
    test.step(name, () => run.step(name, cls, body));

  // playwright.config.ts loaded the saved login into the browser context when it is still valid.
  const stateLoaded = usableStorageState(config) !== undefined;
  // Up to here nothing was sent: a transport failure may be retried (PROBE_RETRIES_BEFORE_SEND), and is recorded.
  await run.retryingBeforeSend(async () => {
    await step('open target', 'transport', async () => {
      const response = await page.goto(config.appUrl, { timeout: config.stepTimeoutMs });
      if (response && response.status() >= 400)
        throw new ProbeStepError('transport', `open target: GET ${config.appUrl} answered ${response.status()}`);
    });

    await step('log in', 'auth', async () => run.setUser((await login(page, config, run.redactor, stateLoaded)).userId));

    await step('open chat', 'transport', async () => {
      await openChat(page, config.appUrl, config.loginPath, config.stepTimeoutMs);
      await run.waitForChatSocket(config.stepTimeoutMs);
    });
  });

  await step('send message', 'ui-render', async () => {
    await typeMessage(page, run.message, config.stepTimeoutMs);
    // What the page shows before the send: an answer already visible then is not this run's.
    await run.readPageBeforeSend(page);
    run.markSent();
    await clickSend(page, config.stepTimeoutMs);
  });

  await step('wait for the final agent_completed', 'timeout', async () => {
    await run.waitForRunEnd(config.completeTimeoutMs);
  });

  await step('wait for the rendered answer', 'ui-render', async () => {
    await run.waitForAnswerAndLateEvents(page);
  });

  // Not a run.step: the verdict is the judge's, and an assertion here is not a failure of the page.
  await test.step('judge', async () => {
    const verdict = await run.finish(page);
    expect(verdict.status, verdict.message).toMatch(/^(pass|degraded)$/);
  });
});
