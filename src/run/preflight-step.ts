// Preflight as a step of a run: check the target's health over HTTP before a browser starts, keep the
// result in the run's folder, and, when the target is down, write the run's verdict right away: a down
// staging fails in about a second with the URL and the cause, not after a browser timeout.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { budgetsOf, type ProbeConfig } from '../config/load';
import { judge } from '../contract/judge';
import type { Verdict } from '../contract/types';
import { preflight, preflightTargets, type PreflightResult } from '../preflight/preflight';
import { Redactor } from '../redact';
import { PREFLIGHT_FILE } from '../report/result';
import { writeEarlyResult } from './early-result';

export async function runPreflight(config: ProbeConfig, runDir: string): Promise<PreflightResult> {
  const targets = preflightTargets(config, config.preflightUrls);
  const result = await preflight(targets, { timeoutMs: config.preflightTimeoutMs });
  writeFileSync(join(runDir, PREFLIGHT_FILE), JSON.stringify(result, null, 2) + '\n');
  return result;
}

/** The verdict of a run that stopped at preflight: `fail`, class `transport`, the preflight's own words. */
export async function writePreflightFailure(config: ProbeConfig, runDir: string, result: PreflightResult, startedAt: Date): Promise<Verdict> {
  const redactor = new Redactor([config.password, config.bypassKey, config.token]);
  // What to check: the target is down, or the probe is pointed at the wrong place.
  const hint = `; check the target: PROBE_APP_URL=${config.appUrl}${config.openPath === '/' ? '' : config.openPath} and the health URLs (PROBE_PREFLIGHT_URLS=${config.preflightUrls.join(',')}); --skip-preflight goes on without this check`;
  const failure = { step: 'preflight', class: 'transport' as const, message: redactor.redact(`${result.message}${hint}`) };
  const verdict = judge(
    {
      nonce: '',
      message: config.message,
      userId: null,
      sentAt: null,
      frames: [],
      sockets: [],
      httpSends: [],
      page: null,
      stepFailures: [failure],
      budgets: budgetsOf(config),
    },
    config.contract,
  );
  await writeEarlyResult(config, runDir, { startedAt, verdict, step: 'preflight', error: failure.message, preflight: result });
  return verdict;
}
