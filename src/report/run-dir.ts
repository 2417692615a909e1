// Each run writes into <reportDir>/<timestamp>/, and <reportDir>/latest points at the newest run.

import { cpSync, existsSync, mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';

/** `<reportDir>/<timestamp>/`; a team's journey's run `<reportDir>/<timestamp>-<journey>/`. */
export function newRunDir(reportDir: string, now = new Date(), journey?: string): string {
  const stamp = now.toISOString().replace(/[:.]/g, '-');
  const dir = resolve(reportDir, journey === undefined ? stamp : `${stamp}-${journey}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Points <reportDir>/latest at `runDir`: a relative symlink, or a copy where links are not allowed. */
export function markLatest(runDir: string): string {
  const latest = join(runDir, '..', 'latest');
  rmSync(latest, { recursive: true, force: true });
  try {
    symlinkSync(basename(runDir), latest, 'dir');
  } catch {
    cpSync(runDir, latest, { recursive: true });
  }
  return latest;
}

/** The files a run's folder holds besides summary.md, as the console names them: only those that exist. */
export function writtenFiles(runDir: string): string[] {
  const named = ['result.json', 'frames.ndjson', 'html/index.html', 'junit.xml', 'allure-results'];
  const frames = existsSync(join(runDir, 'frames-1.ndjson')) ? ['frames-<n>.ndjson'] : [];
  return [...named.filter((f) => existsSync(join(runDir, f))), ...frames].map((f) => (f === 'allure-results' ? `${f}/` : f));
}
