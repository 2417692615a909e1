// GitHub Actions (issue 21, item 4): the CLI with GITHUB_STEP_SUMMARY pointing at a file, as a job's step
// sees it. `run` appends the run's Markdown (verdict, the checks that failed with expected and seen, the event
// times, the trace link) and prints one `::error` line for a failed run; `validate` appends the gate's.

import { readFileSync } from 'node:fs';
import { REFERENCE_CREDENTIALS } from '../../reference/server';
import { describe, expect, test } from './harness';

const FORM = { PROBE_USERNAME: REFERENCE_CREDENTIALS.username, PROBE_PASSWORD: REFERENCE_CREDENTIALS.password };
const TRACE_URL = 'https://tempo.example/trace/{traceId}';

test('a failing run: the job summary in Markdown and one ::error line with the class and the first failed check, no secret', async ({ probe, target, staging }, testInfo) => {
  staging.setFault('missing-tool-completed');
  const summary = testInfo.outputPath('step-summary.md');
  const o = await probe({ ...target, ...FORM, GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: summary, PROBE_TRACE_URL: TRACE_URL });
  expect(o.code, describe(o)).toBe(1);
  const r = o.result!;
  const v = r.verdict;
  const decider = v.checks.find((c) => c.status === 'fail' && c.class === v.class)!;
  const md = readFileSync(summary, 'utf8');
  expect(md).toContain(`### Golden path: FAIL (${v.class}) on ${staging.appUrl}`);
  expect(md).toContain(`| ${decider.name} | fail | ${decider.class} | ${decider.expected.replace(/\|/g, '\\|')} | ${decider.seen.replace(/\|/g, '\\|')} |`);
  const started = v.events.find((e) => e.type === 'agent_started')!;
  expect(md).toContain(`| agent_started | ${started.firstSeenMs} | ${started.count} |`);
  expect(md).toContain('| tool_completed | never | 0 |');
  expect(md).toContain(`- Trace: [${r.traceId}](https://tempo.example/trace/${r.traceId})`);
  const commands = o.output.split('\n').filter((l) => l.startsWith('::'));
  expect(commands).toEqual([`::error title=golden path FAIL (${v.class}) on http%3A//127.0.0.1%3A${staging.port}::${v.class}: ${decider.name}: ${v.message.replace(/\s+/g, ' ')} (trace https://tempo.example/trace/${r.traceId})`]);
  for (const text of [md, commands[0]!]) expect(text).not.toContain(REFERENCE_CREDENTIALS.password);
});

test('validate: the gate in the job summary, a row per run with its trace; no workflow command when it passes', async ({ probe, target }, testInfo) => {
  const summary = testInfo.outputPath('step-summary.md');
  const o = await probe({ ...target, ...FORM, GITHUB_STEP_SUMMARY: summary }, ['validate', '--runs', '2']);
  expect(o.code, o.output).toBe(0);
  const md = readFileSync(summary, 'utf8');
  expect(md).toMatch(/^## Pre-release gate: PASSED\n\n.*2 of 2 runs passed \(2 required\)\n/);
  expect(md.match(/^\| [12] \| pass \| {2}\| \d+\.\d s \| `[0-9a-f]{32}` \| all \d+ checks passed \|$/gm)).toHaveLength(2);
  expect(o.output.split('\n').filter((l) => l.startsWith('::'))).toEqual([]);
});
