// The sessions of one run (PROBE_USERS): each its own browser context, user, login and conversation, all on
// one clock; they wait for each other at their first send, so that their runs overlap on the staging as
// several users' runs do, and are written together: one result.json with each session and the combined verdict.

import type { Page } from '@playwright/test';
import type { ProbeConfig } from '../config/load';
import { combineSessions } from '../contract/combine';
import type { Verdict } from '../contract/types';
import { Clock } from '../capture/clock';
import { writeRunArtifacts, type RunResult } from '../report/result';
import { SendGate } from './send-gate';
import { ProbeSession } from './session';
import type { ProbeTurn } from './turn';

export interface Session {
  session: ProbeSession;
  page: Page;
}

export class RunGroup {
  readonly gate: SendGate;
  private verdict: Promise<Verdict> | undefined;

  constructor(readonly sessions: Session[]) {
    this.gate = new SendGate(sessions.length);
  }

  /** The journey's name, as its reports give it. */
  get journey(): string {
    return this.sessions[0]!.session.config.journey;
  }

  /** The sessions of `pages`, one each, on one clock; every session's secrets kept out of every session's files. */
  static create(config: ProbeConfig, runDir: string, pages: Page[]): RunGroup {
    const clock = new Clock();
    const logins = config.sessionLogins;
    const secrets = logins.flatMap((l) => [l.password, l.token]);
    const sessions = pages.map((page, i) => ({
      session: new ProbeSession({ ...config, ...logins[i] }, runDir, { session: i + 1, sessions: pages.length, clock, secrets }),
      page,
    }));
    return new RunGroup(sessions);
  }

  /** A new turn of `session`'s conversation; the other sessions look for its nonce in what their pages receive. */
  newTurn(session: ProbeSession, text: string): ProbeTurn {
    const turn = session.newTurn(text);
    const all = this.sessions.flatMap((s) => s.session.nonces);
    for (const s of this.sessions) s.session.watchForNonces(all);
    return turn;
  }

  /**
   * Judges every session and writes the run's files, then closes the pages the probe lost sight of (frozen,
   * crashed): Playwright's failure snapshot and screenshot would each wait out a timeout of their own on them.
   * Safe to call twice: the second call returns the first verdict.
   */
  finish(): Promise<Verdict> {
    this.verdict ??= this.write().then(async (verdict) => {
      for (const s of this.sessions) if (s.session.pageLost) await s.page.close({ runBeforeUnload: false }).catch(() => undefined);
      return verdict;
    });
    return this.verdict;
  }

  private async write(): Promise<Verdict> {
    const sessions = this.sessions.map((s) => s.session);
    const records = await Promise.all(this.sessions.map((s) => s.session.conclude(s.page)));
    const header = sessions[0]!.runHeader();
    if (records.length === 1) {
      await writeRunArtifacts(sessions[0]!.runDir, { ...header, ...records[0]! });
      return records[0]!.verdict;
    }
    const { verdict, deciding: decidingSession } = combineSessions(
      records.map((r) => r.verdict),
      sessions.map((s) => s.trace()),
    );
    const deciding = (decidingSession ?? 1) - 1;
    const sent = records.map((r) => r.sentAt);
    const spread = sent.every((t) => t !== null) ? Math.round(Math.max(...(sent as number[])) - Math.min(...(sent as number[]))) : undefined;
    const result: RunResult = {
      ...header,
      ...records[deciding]!,
      verdict,
      users: records.length,
      ...(spread === undefined ? {} : { sendSpreadMs: spread }),
      decidingSession: deciding + 1,
      sessions: records.map((r, i) => ({ session: i + 1, frames: sessions[i]!.framesFile, ...r })),
    };
    await writeRunArtifacts(sessions[0]!.runDir, result);
    return verdict;
  }
}
