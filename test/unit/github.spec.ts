// The job summary and workflow commands (src/report/github.ts): one line each, escaped as GitHub's toolkit
// escapes them; `::warning` for a degraded run, nothing for a pass.

import { expect, test } from '@playwright/test';
import { gateCommand, workflowCommand } from '../../src/report/github';
import type { RunResult } from '../../src/report/result';
import { runResult } from '../integration/run-result';

function run(verdict: Partial<RunResult['verdict']>): RunResult {
  return { ...runResult('2026-03-01T12:00:00.000Z', verdict), traceId: 'ab'.repeat(16) };
}

test('a degraded run is a ::warning, a pass nothing; newlines and % are escaped', () => {
  expect(workflowCommand(run({}))).toBeUndefined();
  const slow = run({
    status: 'degraded',
    class: null,
    message: 'slow:\nfinal at 31 s, 100% of a budget, over',
    checks: [{ name: 'completed-in-time', status: 'warn', class: 'timeout', expected: '< 30 s', seen: '31 s' }],
  });
  expect(workflowCommand(slow)).toBe(
    `::warning title=golden path DEGRADED on embedded reference staging::completed-in-time: slow: final at 31 s, 100%25 of a budget, over (trace ${'ab'.repeat(16)})`,
  );
  // A property's : and , are escaped too.
  expect(workflowCommand({ ...slow, target: { ...slow.target, embedded: false, appUrl: 'http://h:1' } })).toMatch(/^::warning title=golden path DEGRADED on http%3A\/\/h%3A1::/);
  expect(gateCommand('1 of 2 runs passed (2 required)', false)).toBe('::error title=pre-release gate FAILED::1 of 2 runs passed (2 required)');
  expect(gateCommand('2 of 2 runs passed', true)).toBeUndefined();
});
