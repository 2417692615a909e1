// Each run writes into <reportDir>/<timestamp>/, and <reportDir>/latest points at the newest run.

import { mkdirSync, rmSync, symlinkSync, cpSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';

export function newRunDir(reportDir: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[:.]/g, '-');
  const dir = resolve(reportDir, stamp);
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
