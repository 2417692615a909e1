// Steps the probe could not complete (login, navigation, waits) and the send itself.
import { check, rank } from './check';
import type { Check, FailureClass, StepFailure } from '../types';

const EXPECTED = 'every probe step completed';

export function stepFailuresCheck(failures: StepFailure[]): Check {
  const top = mostImportant(failures);
  if (top === null) return check('step-failures', 'pass', 'probe', EXPECTED, 'no step failed');
  // Messages usually name their step already ("log in: the form was rejected"); say it once.
  const seen = failures.map((f) => (f.message.startsWith(`${f.step}:`) ? f.message : `${f.step}: ${f.message}`)).join('; ');
  return check('step-failures', 'fail', top, EXPECTED, seen, `steps ${failures.map((f) => f.step).join(', ')}`);
}

/**
 * Only when the probe never sent: nothing can be judged, so the run fails. A step failure usually explains
 * why (its class wins); without one, the probe lost its own send, which is a probe bug.
 */
export function messageSentCheck(failures: StepFailure[]): Check {
  const cls = mostImportant(failures) ?? 'probe';
  const seen = failures.length > 0 ? 'no send recorded (see step-failures)' : 'no send recorded, and no step failure explains it';
  return check('message-sent', 'fail', cls, 'the probe sent its message', seen);
}

function mostImportant(failures: StepFailure[]): FailureClass | null {
  const classes = failures.map((f) => f.class).sort((a, b) => rank(a) - rank(b));
  return classes[0] ?? null;
}
