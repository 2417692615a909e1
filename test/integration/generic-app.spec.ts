// Any chat app, not only the reference's: the probe runs through its CLI against the reference's plain
// frontend (other paths and markup, no test ids, Enter to send) with exactly the variables docs/generic.md
// names in its walkthrough, read from the doc itself, so that the doc cannot promise what the probe does not do.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MATRIX } from './fault-matrix';
import { describe, expect, test } from './harness';

const DOC = join(__dirname, '..', '..', 'docs', 'generic.md');
const MARKER = '<!-- walkthrough variables: the test reads the next sh block -->';

/** The variables of the walkthrough's sh block, as a user would copy them, the app's URL put to `appUrl`. */
function walkthroughVariables(appUrl: string): Record<string, string> {
  const doc = readFileSync(DOC, 'utf8');
  const block = /```sh\n([\s\S]*?)```/.exec(doc.slice(doc.indexOf(MARKER)));
  if (!doc.includes(MARKER) || !block) throw new Error(`${DOC} needs ${MARKER} before an sh block`);
  const lines = block[1]!.split('\n').filter((l) => /^PROBE_\w+=/.test(l));
  const env = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
  return { ...env, PROBE_APP_URL: appUrl };
}

test("the plain frontend passes with only the walkthrough's variables: found by role, sent with Enter", async ({ probe, plainStaging }) => {
  const env = walkthroughVariables(plainStaging.appUrl);
  expect(Object.keys(env).sort()).toEqual(['PROBE_APP_URL', 'PROBE_CHAT_PATH', 'PROBE_LOGIN_PATH', 'PROBE_PASSWORD', 'PROBE_TOKEN_STORAGE_KEY', 'PROBE_USERNAME']);
  const o = await probe(env);
  expect({ status: o.result?.verdict.status, class: o.result?.verdict.class }, describe(o)).toEqual({ status: 'pass', class: null });
  expect(o.code, describe(o)).toBe(0);
  expect(o.result!.steps.map((s) => `${s.name}: ${s.status}`)).toEqual(
    ['open target', 'log in', 'open chat', 'send message', 'wait for the final agent_completed', 'wait for the rendered answer', 'reload the conversation'].map((s) => `${s}: passed`),
  );
});

// Faults of the reference, on the plain frontend: the same class as on the reference's own. A dead Enter
// matters most here: the message box is editable, so the page shows the message before any send.
for (const name of ['answer-not-rendered', 'missing-tool-completed', 'send-button-dead']) {
  const row = MATRIX.find((r) => r.name === name)!;
  test(`the plain frontend under ${name}: ${row.status} (${row.class})`, async ({ probe, plainStaging }) => {
    plainStaging.setFault(row.fault);
    const o = await probe(walkthroughVariables(plainStaging.appUrl));
    const v = o.result?.verdict;
    expect({ status: v?.status, class: v?.class }, describe(o)).toEqual({ status: row.status, class: row.class });
    expect(o.code, describe(o)).toBe(1);
    expect(v!.message, describe(o)).toContain(row.phrase!);
  });
}
