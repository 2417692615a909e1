// result.json: the run's record, documented in the README ("result.json"). Bump schemaVersion on any change
// that could break a reader. The writers here are independent: one that fails is logged into the other's
// output and never stops the run.

import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ProbeConfig } from '../config/load';
import type { LoginStrategy } from '../config/variables';
import type { PreflightResult } from '../preflight/preflight';
import type { Redactor } from '../redact';
import type { SocketRecord, Verdict } from '../contract/types';
import { renderSummary } from './summary-md';
import type { TimelineRow } from './timeline';

export interface StepRecord {
  name: string;
  status: 'passed' | 'failed';
  durationMs: number;
  error?: string;
}

export interface WaitRecord {
  name: string;
  timeoutMs: number;
  met: boolean;
  tookMs: number;
}

export interface RunTarget {
  embedded: boolean;
  profile: string;
  appUrl: string;
  apiUrl: string;
  authUrl: string;
  login: LoginStrategy;
  /** The version the health endpoints reported in preflight, when they did. */
  version?: string;
}

export interface RunResult {
  schemaVersion: 1;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  target: RunTarget;
  /** The HTTP checks made before the browser started; absent when preflight was off or the target embedded. */
  preflight?: PreflightResult;
  message: string;
  nonce: string;
  userId: string | null;
  /** ms since the run started when the message was sent; null when the probe never got to send. */
  sentAt: number | null;
  verdict: Verdict;
  steps: StepRecord[];
  waits: WaitRecord[];
  sockets: SocketRecord[];
  timeline: TimelineRow[];
}

export const RESULT_FILE = 'result.json';
export const PREFLIGHT_FILE = 'preflight.json';
export const SUMMARY_FILE = 'summary.md';
export const FRAMES_FILE = 'frames.ndjson';

/** The target as reports show it: URLs without credentials, and the version preflight learned. */
export function targetOf(config: ProbeConfig, redactor: Redactor, preflight?: PreflightResult): RunTarget {
  const version = preflight?.checks.find((c) => c.version !== undefined)?.version;
  return {
    embedded: config.embedded,
    profile: config.profile,
    appUrl: redactor.redact(config.appUrl),
    apiUrl: redactor.redact(config.apiUrl),
    authUrl: redactor.redact(config.authUrl),
    login: config.login,
    ...(version === undefined ? {} : { version }),
  };
}

/** The preflight.json the CLI wrote into the run's folder before Playwright started, if any. */
export function readPreflight(runDir: string): PreflightResult | undefined {
  try {
    return JSON.parse(readFileSync(join(runDir, PREFLIGHT_FILE), 'utf8')) as PreflightResult;
  } catch {
    return undefined;
  }
}

export async function writeRunArtifacts(runDir: string, result: RunResult): Promise<void> {
  const writers: Array<[string, () => string]> = [
    [SUMMARY_FILE, () => renderSummary(result)],
    [RESULT_FILE, () => JSON.stringify(result, null, 2) + '\n'],
  ];
  for (const [file, render] of writers) {
    try {
      await writeFile(join(runDir, file), render());
    } catch (err) {
      // result.json is written last, so a broken summary is recorded there.
      result.verdict.warnings.push(`${file} could not be written: ${(err as Error).message}`);
      if (file === RESULT_FILE) throw err;
    }
  }
}
