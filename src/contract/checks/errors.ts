// An error event in the run fails it, even when an apologetic agent_completed follows.
import type { Contract } from '../contract';
import { excerpt } from '../fields';
import { check, describeFrames } from './check';
import type { Run } from '../attribution';
import type { Check } from '../types';

export function noErrorEventCheck(run: Run, contract: Contract): Check {
  const expected = `no ${contract.errorEvents.join(', ')} event for the run`;
  const errors = run.events.filter((e) => contract.errorEvents.includes(e.type));
  if (errors.length === 0) return check('no-error-event', 'pass', 'error-event', expected, 'no error event');
  const seen = errors.map((e) => {
    return `${e.type} at frame ${e.frame}${e.errorMessage === undefined ? '' : ` ${excerpt(e.errorMessage)}`}`;
  });
  return check('no-error-event', 'fail', 'error-event', expected, seen.join('; '), describeFrames(errors));
}
