// One error class for a step of the probe that could not complete: it carries the failure class the verdict
// will report and a message that names the step, what was expected and what was seen. And the error a run
// that did not pass ends its test with: the verdict itself, as Playwright's reports show a test's error.

import type { FailureClass } from './contract/types';

export class ProbeStepError extends Error {
  constructor(
    readonly failureClass: FailureClass,
    message: string,
  ) {
    super(message);
    this.name = 'ProbeStepError';
  }
}

/**
 * A run that did not pass: its message is the verdict (status, class, the deciding check with expected and
 * seen), and it carries no stack, so that Playwright's HTML report and JUnit show the verdict, not a code frame.
 */
export class VerdictFailed extends Error {
  constructor(verdict: string) {
    super(verdict);
    this.name = 'VerdictFailed';
    this.stack = verdict;
  }
}
