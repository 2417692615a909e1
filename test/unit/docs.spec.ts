// The README's tables and .env.example are generated (`npm run docs`) from the variable list and the fault
// matrix; these tests fail while the committed files differ from what the generator would write.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { envExample, renderReadme } from '../../scripts/sync-docs';
import { VARIABLES } from '../../src/config/variables';
import { MATRIX } from '../integration/fault-matrix';
import { followUpCheck, persistedCheck, turnRunsCheck } from '../../src/contract/checks/conversation';
import { crossTalkCheck } from '../../src/contract/checks/cross-talk';
import { judge } from '../../src/contract/judge';
import { buildEvidence, healthyRun } from './evidence-builders';

const ROOT = join(__dirname, '..', '..');
const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');

test('the README tables are up to date (run `npm run docs`)', () => {
  const readme = read('README.md');
  expect(readme).toBe(renderReadme(readme));
  for (const v of VARIABLES) expect(readme).toContain(`| \`${v.name}\` |`);
  for (const row of MATRIX) expect(readme).toContain(`| ${row.name} | \`${row.fault}\` |`);
});

test('.env.example is up to date (run `npm run docs`) and documents every variable', () => {
  const example = read('.env.example');
  expect(example).toBe(envExample);
  for (const v of VARIABLES) expect(example).toMatch(new RegExp(`^#? ?${v.name}=`, 'm'));
});

test("the README's table of checks names every check the judge can report, and no other", () => {
  const readme = read('README.md');
  const section = readme.slice(readme.indexOf('## What is checked'), readme.indexOf('\n## ', readme.indexOf('## What is checked') + 1));
  const documented = [...section.matchAll(/^\| `([a-z-]+)` \|/gm)].map((m) => m[1]);
  // Every check the judge writes: a healthy run's, those only some runs have (no send, an expected answer),
  // the one across sessions, and those across a conversation's turns.
  const healthy = judge(buildEvidence(healthyRun(), 'bridge', { expectAnswer: 'GPU' })).checks.map((c) => c.name);
  const neverSent = judge(buildEvidence([], 'bridge', { sentAt: null })).checks.map((c) => c.name);
  // The conversation's, across turns (follow-ups, a run each, the reload).
  const conversation = [followUpCheck([], null), turnRunsCheck([]), persistedCheck([], { returnedBy: null, page: null })].map((c) => c.check.name);
  const reported = new Set([...healthy, ...neverSent, crossTalkCheck([]).check.name, ...conversation]);
  expect([...documented].sort()).toEqual([...reported].sort());
});
