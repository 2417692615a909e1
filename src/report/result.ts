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
import type { TracedRequest } from '../capture/trace-context';

export interface StepRecord {
  name: string;
  /** `unmet`: the step ended, and a wait of it ran out (`unmet` names which): its outcome is for the judge to tell. */
  status: 'passed' | 'failed' | 'unmet';
  durationMs: number;
  error?: string;
  unmet?: string[];
  /** ms on the run's clock when it started (absent in runs of before). */
  startMs?: number;
}

export interface WaitRecord {
  name: string;
  timeoutMs: number;
  met: boolean;
  tookMs: number;
  /** ms on the run's clock when it started (absent in runs of before). */
  startMs?: number;
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

/** One session's part of result.json: what it sent, its verdict, its steps, waits, sockets and timeline. */
export interface SessionRecord {
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
  /**
   * A conversation of several turns (PROBE_TURNS above 1): each turn's own record. `verdict` is then the
   * combined one (a check per turn, the follow-up, turn-runs and persisted checks), and message, nonce,
   * sentAt and timeline are those of the turn that decided it (`decidingTurn`; the last when all passed).
   */
  turns?: TurnEntry[];
  decidingTurn?: number;
  /** The W3C trace id every request of the session to the target carried; absent with PROBE_TRACE_PROPAGATION=off. */
  traceId?: string;
  /** PROBE_TRACE_URL with the trace id in it. */
  traceUrl?: string;
  /** Each request that carried the trace id, under its own parent span id (the run's spans hold one of each). */
  tracedRequests?: TracedRequest[];
}

/** One turn of a conversation, as `turns` lists it. */
export interface TurnEntry {
  /** 1-based. */
  turn: number;
  message: string;
  nonce: string;
  sentAt: number | null;
  verdict: Verdict;
  steps: StepRecord[];
  waits: WaitRecord[];
}

/** A session of a run of several (PROBE_USERS above 1), as `sessions` lists it. */
export interface SessionEntry extends SessionRecord {
  /** 1-based. */
  session: number;
  /** Its frames, in the run's folder. */
  frames: string;
}

/**
 * The run. With one session, its record is the run's. With several, `verdict` is the combined one (a check
 * per session and cross-talk), `sessions` holds each session, and the other session fields are those of the
 * session that decided the verdict (`decidingSession`; session 1 when all passed), so that a reader of one
 * session's timeline shows the one that explains the failure.
 */
export interface RunResult extends SessionRecord {
  schemaVersion: 1;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  target: RunTarget;
  /** The journey the run is: `golden-path` (the built-in one), or a team's (PROBE_JOURNEYS); absent in results of before journeys. */
  journey?: string;
  /** Where the probe ran (PROBE_LOCATION, default the host name). */
  location?: string;
  /** The HTTP checks made before the browser started; absent when preflight was off or the target embedded. */
  preflight?: PreflightResult;
  /** How many sessions ran at once; absent: one. */
  users?: number;
  /** ms from the first session's send to the last one's; absent with one session or when one never sent. */
  sendSpreadMs?: number;
  decidingSession?: number;
  sessions?: SessionEntry[];
}

export const RESULT_FILE = 'result.json';
export const PREFLIGHT_FILE = 'preflight.json';
export const SUMMARY_FILE = 'summary.md';
export const FRAMES_FILE = 'frames.ndjson';

/** frames.ndjson for a run of one session; frames-<n>.ndjson for session n of several. */
export function framesFileOf(session: number, sessions: number): string {
  return sessions === 1 ? FRAMES_FILE : `frames-${session}.ndjson`;
}

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
