// One error class for a step of the probe that could not complete: it carries the failure class the verdict
// will report and a message that names the step, what was expected and what was seen.

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

