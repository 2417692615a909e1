// result.json: the run's record, documented in the README ("result.json"). Bump schemaVersion on any change
// that could break a reader. The writers here are independent: one that fails is logged into the other's
// output and never stops the run.

import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { LoginStrategy } from '../config/variables';
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

export interface RunResult {
  schemaVersion: 1;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  target: { embedded: boolean; appUrl: string; apiUrl: string; authUrl: string; login: LoginStrategy };
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
export const SUMMARY_FILE = 'summary.md';
export const FRAMES_FILE = 'frames.ndjson';

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
