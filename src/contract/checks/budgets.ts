// Time budgets from the send: over the warning budget the run is degraded, over the hard budget it fails.
import type { Contract } from '../contract';
import { check, elapsed } from './check';
import type { Run } from '../attribution';
import type { AgentEvent, Budgets, Check } from '../types';

export function firstEventBudgetCheck(run: Run, budgets: Budgets, contract: Contract): Check {
  const started = contract.events.started;
  const expected = `${started} within ${budgets.firstEventMs}ms of the send (warn over ${budgets.firstEventWarnMs}ms)`;
  // Without agent_started the run's first event still measures how long the platform took to answer;
  // the missing event itself is events-present's to report, not a timeout.
  const first: AgentEvent | undefined = run.started ?? run.events[0];
  if (first === undefined) return check('first-event-budget', 'fail', 'timeout', expected, 'no event of the run');
  const note = first === run.started ? '' : ` (to ${first.type}; no ${started})`;
  return budgetCheck('first-event-budget', expected, first, run.sentAt, budgets.firstEventWarnMs, budgets.firstEventMs, note);
}

export function completeBudgetCheck(run: Run, budgets: Budgets, contract: Contract): Check {
  const completed = contract.events.completed;
  const expected = `the final ${completed} within ${budgets.completeMs}ms of the send (warn over ${budgets.completeWarnMs}ms)`;
  if (run.final === null) return check('complete-budget', 'fail', 'timeout', expected, `no final ${completed}`);
  return budgetCheck('complete-budget', expected, run.final, run.sentAt, budgets.completeWarnMs, budgets.completeMs, '');
}

function budgetCheck(name: string, expected: string, event: AgentEvent, sentAt: number, warnMs: number, failMs: number, note: string): Check {
  const ms = elapsed(event.t, sentAt);
  const status = ms > failMs ? 'fail' : ms > warnMs ? 'warn' : 'pass';
  return check(name, status, 'timeout', expected, `${ms}ms${note}`, `frame ${event.frame}`);
}
