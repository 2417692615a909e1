// The probe's console while it runs: one line per named step as it ends, Playwright's own errors in full
// (a broken config or browser must be visible), and at the end the one-screen summary of the verdict.
// Playwright's `line` reporter would print the whole failure with its attachments: too much for one screen.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FullResult, Reporter, TestCase, TestError, TestResult, TestStep } from '@playwright/test/reporter';
import { renderConsole } from './console';
import { RESULT_FILE, type RunResult } from './result';
import { writtenFiles } from './run-dir';

/** The attachment a step gets when one of its waits ran out: the step is marked ⚠, neither ✓ nor ✗. */
export const UNMET_WAIT = 'wait not met';

export default class ProgressReporter implements Reporter {
  private readonly runDir = process.env.PROBE_RUN_DIR ?? '';

  printsToStdio(): boolean {
    return true;
  }

  onStepEnd(_test: TestCase, _result: TestResult, step: TestStep): void {
    // The named steps, wherever they run (the test, or a fixture that opens the chat), not the steps inside them.
    if (step.category !== 'test.step' || insideStep(step)) return;
    const unmet = step.attachments.find((a) => a.name === UNMET_WAIT);
    const mark = step.error ? '✗' : unmet ? '⚠' : '✓';
    // The judge's failure is the verdict, printed in full below; a step's own failure is shown here.
    const detail = step.error && step.title !== 'judge' ? `: ${firstLine(step.error.message ?? '')}` : unmet ? `: ${firstLine(unmet.body?.toString() ?? '')}` : '';
    console.log(`  ${mark} ${step.title} (${Math.round(step.duration)} ms)${detail}`);
  }

  onError(error: TestError): void {
    console.error(`golden-path-probe: Playwright error: ${error.message ?? error.value ?? 'unknown'}`);
  }

  onTestEnd(_test: TestCase, result: TestResult): void {
    // Errors outside the named steps (a fixture, a timeout of the whole test) would otherwise go unseen.
    if (result.status !== 'passed' && result.status !== 'failed') console.error(`golden-path-probe: the probe test ended ${result.status}`);
    // The verdict (the judge step's assertion) is printed in full below; any other error is shown here.
    for (const error of result.errors) if (!VERDICT_LINE.test(error.message ?? '')) console.error(`  error: ${firstLine(error.message ?? '')}`);
  }

  onEnd(_result: FullResult): void {
    try {
      const result = JSON.parse(readFileSync(join(this.runDir, RESULT_FILE), 'utf8')) as RunResult;
      // Playwright's own reporters (HTML, JUnit, Allure) end beside this one: their files are named as written.
      const files = new Set([...writtenFiles(this.runDir), 'html/index.html', 'junit.xml', 'allure-results/']);
      console.log(renderConsole(result, this.runDir, [...files]));
    } catch {
      console.error(`golden-path-probe: no ${RESULT_FILE} in ${this.runDir}: the probe could not judge this run`);
    }
  }
}

/** A matcher's failure: its first line is the verdict (`golden path: FAIL ...`, `journey NAME: FAIL ...`), printed in full at the end. */
const VERDICT_LINE = /^(\w+: )?(golden path|journey \S+): [A-Z]+ /;

function firstLine(text: string): string {
  // Playwright colours its messages; the console line is plain text.
  // eslint-disable-next-line no-control-regex -- ANSI colour escapes are exactly what is removed here
  return (text.split('\n')[0] ?? '').replace(/\u001b\[[0-9;]*m/g, '');
}

function insideStep(step: TestStep): boolean {
  for (let p = step.parent; p; p = p.parent) if (p.category === 'test.step') return true;
  return false;
}
