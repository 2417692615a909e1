// The sessions of one run (PROBE_USERS): each its own browser context, user, login, message and nonce, all
// on one clock; they wait for each other at the send, so that their runs overlap on the staging as several
// users' runs do, and are written together: one result.json with each session and the combined verdict.

import type { Page } from '@playwright/test';
import type { ProbeConfig } from '../config/load';
import { combineSessions } from '../contract/combine';
import type { Verdict } from '../contract/types';
import { Clock } from '../capture/clock';
import { writeRunArtifacts, type RunResult } from '../report/result';
import { ProbeRun } from './probe-run';
import { SendGate } from './send-gate';


export interface Session {
  run: ProbeRun;
  page: Page;
}

export class RunGroup {
  readonly gate: SendGate;
  private verdict: Promise<Verdict> | undefined;

  constructor(readonly sessions: Session[]) {
    this.gate = new SendGate(sessions.length);
  }

  /** The runs of `pages`, one session each, the other sessions' nonces watched for in each one's frames. */
  static create(config: ProbeConfig, runDir: string, pages: Page[]): RunGroup {
    const clock = new Clock();
    const logins = config.sessionLogins;
    const secrets = logins.flatMap((l) => [l.password, l.token]);
    const runs = pages.map(
      (_, i) => new ProbeRun({ ...config, ...logins[i] }, runDir, { session: i + 1, sessions: pages.length, clock, secrets }),
    );
    for (const run of runs) run.watchForNonces(runs.map((r) => r.nonce));
    return new RunGroup(runs.map((run, i) => ({ run, page: pages[i]! })));
  }

  /**
   * Judges every session and writes the run's files, then closes the pages the probe lost sight of (frozen,
   * crashed): Playwright's failure snapshot and screenshot would each wait out a timeout of their own on them.
   * Safe to call twice: the second call returns the first verdict.
   */
  finish(): Promise<Verdict> {
    this.verdict ??= (this.sessions.length === 1 ? this.sessions[0]!.run.finish(this.sessions[0]!.page) : this.finishSeveral()).then(async (verdict) => {
      for (const s of this.sessions) if (s.run.pageLost) await s.page.close({ runBeforeUnload: false }).catch(() => undefined);
      return verdict;
    });
    return this.verdict;
  }

  private async finishSeveral(): Promise<Verdict> {
    const runs = this.sessions.map((s) => s.run);
    const records = await Promise.all(this.sessions.map((s) => s.run.conclude(s.page)));
    const { verdict, deciding: decidingSession } = combineSessions(
      records.map((r) => r.verdict),
      runs.map((r) => r.trace()),
    );
    const deciding = (decidingSession ?? 1) - 1;
    const sent = runs.map((r) => r.sendTime);
    const spread = sent.every((t) => t !== null) ? Math.round(Math.max(...(sent as number[])) - Math.min(...(sent as number[]))) : undefined;
    const result: RunResult = {
      ...runs[0]!.runHeader(),
      ...records[deciding]!,
      verdict,
      users: records.length,
      ...(spread === undefined ? {} : { sendSpreadMs: spread }),
      decidingSession: deciding + 1,
      sessions: records.map((r, i) => ({ session: i + 1, frames: runs[i]!.framesFile, ...r })),
    };
    await writeRunArtifacts(runs[0]!.runDir, result);
    return verdict;
  }
}
