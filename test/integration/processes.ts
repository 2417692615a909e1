// The processes of a probe run, as the tests that signal or kill them see them: found by a marker in their
// environment (the test's own folder, which every child of the probe inherits).

import { readdirSync, readFileSync } from 'node:fs';

/** Pids of live processes whose environment mentions `marker`; a zombie holds nothing and is left out. */
export function processesMentioning(marker: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      if (readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.startsWith('Z')) continue;
      if (readFileSync(`/proc/${pid}/environ`, 'utf8').includes(marker)) found.push(pid);
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return found;
}

/** A live process (a zombie is not: it holds nothing but its number). */
export function isAlive(pid: string): boolean {
  try {
    return !readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.startsWith('Z');
  } catch {
    return false;
  }
}

function commandLine(pid: string): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

/** Any process of a Chromium. */
export const isBrowser = (pid: string): boolean => /chrom/i.test(commandLine(pid));

/** Chromium's own process, not one of its helpers (zygote, renderer, GPU carry `--type=`; crash handlers another name). */
export function isBrowserMain(pid: string): boolean {
  try {
    return /^(chromium|chrome|headless_shell)$/.test(readFileSync(`/proc/${pid}/comm`, 'utf8').trim()) && !commandLine(pid).includes('--type=');
  } catch {
    return false;
  }
}

/** A renderer of web pages (not Chromium's own UI). */
export const isPageRenderer = (pid: string): boolean => commandLine(pid).includes('--type=renderer') && !commandLine(pid).includes('--top-chrome-webui');

/**
 * Every live process below `pid`. Chromium's helpers (zygotes, renderers) start with an environment of their
 * own, so they are found by descent, not by a marker.
 */
export function descendantsOf(pid: string): string[] {
  const children = new Map<string, string[]>();
  for (const p of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const [, rest] = readFileSync(`/proc/${p}/stat`, 'utf8').split(') ');
      const [state, ppid] = (rest ?? '').split(' ');
      if (state === 'Z' || ppid === undefined) continue;
      children.set(ppid, [...(children.get(ppid) ?? []), p]);
    } catch {
      // gone meanwhile
    }
  }
  const out: string[] = [];
  const walk = (p: string) => {
    for (const c of children.get(p) ?? []) {
      out.push(c);
      walk(c);
    }
  };
  walk(pid);
  return out;
}
