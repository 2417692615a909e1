// The result of a run that ended before the browser probe could judge it: stopped at preflight, or
// interrupted by a signal. Such a run still leaves a complete folder (result.json, summary.md, an empty
// frames.ndjson when no frame was written), so that `latest`, the history and the alerts see it.

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ProbeConfig } from '../config/load';
import { couldNotJudge } from '../contract/judge';
import type { Verdict } from '../contract/types';
import type { PreflightResult } from '../preflight/preflight';
import { Redactor } from '../redact';
import { FRAMES_FILE, RESULT_FILE, targetOf, writeRunArtifacts } from '../report/result';

export interface EarlyEnd {
  startedAt: Date;
  verdict: Verdict;
  /** The step the run ended in, and why. */
  step: string;
  error: string;
  preflight?: PreflightResult;
}

export async function writeEarlyResult(config: ProbeConfig, runDir: string, end: EarlyEnd): Promise<void> {
  const redactor = new Redactor([config.password, config.bypassKey, config.token]);
  const durationMs = Date.now() - end.startedAt.getTime();
  await writeRunArtifacts(runDir, {
    schemaVersion: 1,
    startedAt: end.startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    durationMs,
    target: targetOf(config, redactor, end.preflight),
    journey: config.journey,
    location: config.location,
    ...(end.preflight ? { preflight: redactor.redactValue(end.preflight) } : {}),
    message: config.message,
    nonce: '',
    userId: null,
    sentAt: null,
    verdict: end.verdict,
    steps: [{ name: end.step, status: 'failed', durationMs, error: redactor.redact(end.error) }],
    waits: [],
    sockets: [],
    timeline: [],
  });
  // frames.ndjson exists in every run's folder; an interrupted browser run may have written some already.
  if (!existsSync(join(runDir, FRAMES_FILE))) writeFileSync(join(runDir, FRAMES_FILE), '');
}

/**
 * A run stopped by SIGTERM or SIGINT (a cancelled CI job, a CronJob past its deadline): `error`, never
 * `fail`, since nothing was judged. A result the child finished writing before the signal is kept; one it
 * wrote after is of a run the stop broke (Playwright closed its browser), and is replaced.
 */
export async function writeInterrupted(config: ProbeConfig, runDir: string, signal: NodeJS.Signals, startedAt: Date, signalledAt: number): Promise<void> {
  if (judgedBefore(join(runDir, RESULT_FILE), signalledAt)) return;
  const message = `interrupted by ${signal}: the run was stopped before it could be judged`;
  await writeEarlyResult(config, runDir, { startedAt, verdict: couldNotJudge(message, config.contract), step: 'run', error: message });
}

function judgedBefore(resultFile: string, signalledAt: number): boolean {
  try {
    const finished = Date.parse((JSON.parse(readFileSync(resultFile, 'utf8')) as { finishedAt?: string }).finishedAt ?? '');
    return finished < signalledAt;
  } catch {
    return false;
  }
}
