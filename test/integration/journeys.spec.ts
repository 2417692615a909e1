// A team's own journeys, end to end through the CLI (`run --journeys DIR`) against the reference staging: the
// example journey passes with every report and its history row; a fault in its follow-up fails it, naming the
// journey, the turn and the check; a folder outside this checkout finds `golden-path-probe/playwright`; and
// what is wrong with a folder (no journey, a spec that does not load, two journeys of one name) is exit 2
// before any run.

import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { REFERENCE_CREDENTIALS } from '../../reference/server';
import { describe, expect, test } from './harness';

const EXAMPLES = resolve(__dirname, '..', '..', 'examples', 'journeys');
const EXAMPLE = 'ask-follow-up-and-come-back';

const login = { PROBE_USERNAME: REFERENCE_CREDENTIALS.username, PROBE_PASSWORD: REFERENCE_CREDENTIALS.password };

test('the example journey passes with every report, its history row (journey, turns) and its own folder', async ({ probe, target }, testInfo) => {
  const o = await probe({ ...target, ...login, PROBE_JOURNEYS: EXAMPLES });
  expect(o.code, describe(o)).toBe(0);
  expect(o.result?.journey).toBe(EXAMPLE);
  expect(o.result?.turns?.map((t) => t.verdict.status)).toEqual(['pass', 'pass']);
  expect(o.result?.verdict.checks.find((c) => c.name === 'persisted')?.status).toBe('pass');
  expect(o.output).toContain(`golden-path-probe: journey ${EXAMPLE} (follow-up.spec.ts)`);
  expect(o.output).toContain(`journey ${EXAMPLE}: PASS  all 2 turns passed`);
  // Its folder is named for it, and holds what every run writes.
  const reports = testInfo.outputPath('probe', 'reports');
  const folder = readdirSync(reports).find((d) => d.endsWith(`-${EXAMPLE}`));
  expect(folder, readdirSync(reports).join(', ')).toBeDefined();
  for (const file of ['result.json', 'summary.md', 'frames.ndjson', 'junit.xml', 'html/index.html', 'journey.txt'])
    expect(existsSync(join(reports, folder!, file)), file).toBe(true);
  expect(readdirSync(join(reports, folder!, 'allure-results')).some((f) => f.endsWith('-result.json'))).toBe(true);
  const summary = readFileSync(join(reports, folder!, 'summary.md'), 'utf8');
  expect(summary).toContain(`# Journey ${EXAMPLE}: PASS`);
  expect(summary).toContain('## Turns (2 in one conversation');
  expect(readFileSync(join(reports, folder!, 'junit.xml'), 'utf8')).toContain('ask, follow up and come back');
  // The history row: the journey's name and each turn's times.
  const db = new Database(join(reports, 'history.db'), { readonly: true });
  try {
    const rows = db.prepare('SELECT journey, status, turns FROM runs').all() as Array<{ journey: string; status: string; turns: string }>;
    expect(rows.map((r) => [r.journey, r.status])).toEqual([[EXAMPLE, 'pass']]);
    const turns = JSON.parse(rows[0]!.turns) as Array<{ turn: number; completeMs: number | null }>;
    expect(turns.map((t) => t.turn)).toEqual([1, 2]);
    expect(turns.every((t) => typeof t.completeMs === 'number')).toBe(true);
  } finally {
    db.close();
  }
  // `history --journey` shows each turn's times.
  const history = await probe({ ...target, ...login }, ['history', '--journey', EXAMPLE]);
  expect(history.code, history.output).toBe(0);
  expect(history.output).toContain(`journey ${EXAMPLE}`);
  expect(history.output).toMatch(/turn 2: answer visible\s+1\s+\d+ ms/);
});

test('a fault in the follow-up fails the journey, naming the journey, the turn and the check; one turn of it passes', async ({ probe, staging, target }) => {
  staging.setFault('follow-up-stale-answer');
  const o = await probe({ ...target, ...login, PROBE_JOURNEYS: EXAMPLES, PROBE_HISTORY_DB: 'off' });
  expect(o.code, describe(o)).toBe(1);
  expect(o.result?.journey).toBe(EXAMPLE);
  expect(o.result?.decidingTurn).toBe(2);
  expect(o.output).toContain(`journey ${EXAMPLE}: FAIL [ui-render]  turn-2: expected answer-agrees: `);
  expect(o.output).toContain('turn 1: PASS');
  // The test's own failure is the verdict: in JUnit, for the CI that shows it.
  const junit = readFileSync(join(o.runDir!, 'junit.xml'), 'utf8');
  expect(junit).toContain(`journey ${EXAMPLE}: FAIL [ui-render]`);
  expect(junit).toContain('expect(turn 2).toCompleteGoldenPath()');
});

test('journeys outside this checkout find golden-path-probe/playwright; several run one after the other, each its own run', async ({ probe, target }) => {
  const dir = mkdtempSync(join(tmpdir(), 'team-journeys-'));
  try {
    cpSync(join(EXAMPLES, 'follow-up.spec.ts'), join(dir, 'follow-up.spec.ts'));
    writeFileSync(
      join(dir, 'checkout.spec.ts'),
      [
        "import { expect, test } from 'golden-path-probe/playwright';",
        "test.describe('checkout', () => {",
        "  test('one question', async ({ chat }) => {",
        "    const turn = await chat.send('Which plan am I on?');",
        '    await expect(turn).toCompleteGoldenPath();',
        '    expect((await turn.verdict()).runId).not.toBeNull();',
        '  });',
        '});',
        '',
      ].join('\n'),
    );
    const o = await probe({ ...target, ...login, PROBE_JOURNEYS: dir });
    expect(o.code, describe(o)).toBe(0);
    expect(o.output).toContain('golden-path-probe: 2 journeys:');
    expect(o.output).toMatch(/journey checkout-one-question: PASS /);
    expect(o.output).toMatch(new RegExp(`journey ${EXAMPLE}: PASS `));
    const history = await probe({ ...target, ...login }, ['history']);
    expect(history.output).toContain('journey checkout-one-question');
    expect(history.output).toContain(`journey ${EXAMPLE}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a folder without a journey, a spec that does not load, two journeys of one name: exit 2 before any run', async ({ probe, target }, testInfo) => {
  const folder = (name: string, files: Record<string, string>) => {
    const dir = testInfo.outputPath(name);
    mkdirSync(dir, { recursive: true });
    for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
    return dir;
  };
  const spec = (title: string) => `import { test } from 'golden-path-probe/playwright';\ntest(${JSON.stringify(title)}, async ({ chat }) => { await chat.send('hi'); });\n`;
  const cases: Array<[string, string]> = [
    [folder('empty', { 'notes.md': '# no spec here\n' }), 'no journey in'],
    [folder('broken', { 'broken.spec.ts': "import { test } from 'golden-path-probe/playwright';\ntest('x', async () => {\n" }), 'do not load'],
    [folder('clash', { 'a.spec.ts': spec('Ask once'), 'b.spec.ts': spec('ask: once') }), 'two journeys would have one name'],
  ];
  for (const [dir, said] of cases) {
    const o = await probe({ ...target, ...login, PROBE_JOURNEYS: dir });
    expect(o.code, describe(o)).toBe(2);
    expect(o.output).toContain(said);
    expect(o.result, 'no run was made').toBeUndefined();
  }
  const missing = await probe({ ...target, ...login, PROBE_JOURNEYS: testInfo.outputPath('nowhere') });
  expect(missing.code).toBe(2);
  expect(missing.output).toContain('PROBE_JOURNEYS: no folder');
});
