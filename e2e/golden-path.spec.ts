// The golden path, as named steps: open the target, log in, open the chat, send a message carrying a
// unique nonce, wait for the run's final agent_completed and the rendered answer, judge. Each step and each
// wait is bounded; what a step could not do is recorded for the judge, which alone decides the verdict.
// With several sessions (PROBE_USERS) each walks the path at once in its own context; they meet before the
// send so that their runs overlap, and one session's failure never stops the others.

import { login } from '../src/auth/login';
import { usableStorageState } from '../src/auth/storage-state';
import { openChat, sendMessage, typeMessage, type Control } from '../src/capture/chat';
import type { ProbeConfig } from '../src/config/load';
import { ProbeStepError, VerdictFailed } from '../src/errors';
import { verdictLines } from '../src/report/console';
import { UNMET_WAIT } from '../src/report/progress-reporter';
import type { SendGate } from '../src/run/send-gate';
import type { Session } from '../src/run/sessions';
import { test } from '../fixtures/run';

test('golden path', async ({ probe, probeConfig: config }) => {
  const several = probe.sessions.length > 1;
  const walks = probe.sessions.map((session) => walk(session, config, probe.gate, several ? `session ${session.run.session.session}: ` : ''));
  const failed = (await Promise.allSettled(walks)).find((w) => w.status === 'rejected');
  // Not a run.step: the verdict is the judge's, and a run that did not pass is not a failure of the page.
  await test.step('judge', async () => {
    const verdict = await probe.finish();
    // The test's error is the verdict itself, so that the HTML report and JUnit show it, not a code frame.
    if (verdict.status !== 'pass' && verdict.status !== 'degraded') throw new VerdictFailed(verdictLines(verdict).join('\n'));
  });
  if (failed) throw failed.reason;
});

/** One session's golden path, up to the rendered answer. */
async function walk({ run, page }: Session, config: ProbeConfig, gate: SendGate, label: string): Promise<void> {
  // A step whose wait ran out is marked so (an attachment the console, the HTML report and Allure show): it
  // neither failed nor passed, and the judge says what it means.
  const step = <T>(name: string, cls: Parameters<typeof run.step>[1], body: () => Promise<T>) =>
    test.step(`${label}${name}`, async (info) => {
      const result = await run.step(name, cls, body);
      const unmet = run.lastStepUnmet;
      if (unmet.length > 0) await info.attach(UNMET_WAIT, { body: unmet.map((w) => `not met: ${w}`).join('\n'), contentType: 'text/plain' });
      return result;
    });
  let arrived = false;
  let messageBox: Control | undefined;
  try {
    // playwright.config.ts loaded the saved login into the browser context when it is still valid.
    const stateLoaded = usableStorageState(config) !== undefined && run.session.sessions === 1;
    // Up to here nothing was sent: a transport failure may be retried (PROBE_RETRIES_BEFORE_SEND), and is recorded.
    await run.retryingBeforeSend(async () => {
      await step('open target', 'transport', async () => {
        const url = `${config.appUrl}${config.openPath}`;
        const response = await page.goto(url, { timeout: config.stepTimeoutMs });
        if (response && response.status() >= 400) throw new ProbeStepError('transport', `open target: GET ${url} answered ${response.status()}`);
      });

      await step('log in', 'auth', async () => run.setUser(await login(page, run.config, run.redactor, stateLoaded)));

      await step('open chat', 'transport', async () => {
        messageBox = await openChat(page, config, config.stepTimeoutMs);
        await run.waitForChatSocket(config.stepTimeoutMs);
      });
    });

    // From here on the page must keep answering: a frozen page ends the run at once.
    run.expectResponsivePage();
    // Reached only after the open chat step found the message box.
    const box = messageBox!;
    await step('send message', 'ui-render', async () => {
      await typeMessage(box, run.message, config.stepTimeoutMs);
      // What the page shows before the send: an answer already visible then is not this run's.
      await run.readPageBeforeSend(page);
      arrived = true;
      await run.waitForOtherSessions(gate, config.stepTimeoutMs);
      // The send counts from a click (or Enter) that happened and sent something; the time is taken before
      // it, so that no frame of the send comes before it.
      const clickedAt = run.beginSend();
      const sent = await sendMessage(page, config.chat, box, run.message, config.stepTimeoutMs);
      await run.confirmSend(page, clickedAt, config.stepTimeoutMs, sent);
    });

    await step('wait for the final agent_completed', 'timeout', async () => {
      await run.waitForRunEnd(config.completeTimeoutMs);
    });

    await step('wait for the rendered answer', 'ui-render', async () => {
      await run.waitForAnswerAndLateEvents(page);
    });
  } finally {
    if (!arrived) gate.leave();
  }
}
