// Finding a Chromium: Playwright's own where it is installed, else the system's, else install one where
// this machine allows, else stop with the exact command to run. The probe never half-starts without one.

import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chromium } from '@playwright/test';

export interface BrowserChoice {
  /** undefined: Playwright's own Chromium (it knows where it is). */
  executablePath?: string;
  source: 'configured' | 'playwright' | 'system';
  /** Extra launch flags: a system Chromium must not try to reach Google's services from a closed network. */
  args: string[];
}

const SYSTEM_CHROMIUMS = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
  '/snap/bin/chromium',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
];

const QUIET_FLAGS = [
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export const INSTALL_HELP =
  'No Chromium found. Install one with `npx playwright install chromium` ' +
  '(on Debian or Ubuntu without internet access to Playwright downloads, as root: `apt-get install -y chromium`), ' +
  'or point PROBE_BROWSER_PATH at a Chromium executable.';

/** Finds a browser without installing anything. Returns an error message when there is none. */
export function findBrowser(configuredPath?: string): BrowserChoice | { error: string } {
  if (configuredPath) {
    if (!existsSync(configuredPath)) return { error: `PROBE_BROWSER_PATH points at ${configuredPath}, which does not exist` };
    return { executablePath: configuredPath, source: 'configured', args: QUIET_FLAGS };
  }
  if (playwrightChromiumInstalled()) return { source: 'playwright', args: [] };
  const system = SYSTEM_CHROMIUMS.find((p) => existsSync(p));
  if (system) return { executablePath: system, source: 'system', args: QUIET_FLAGS };
  return { error: INSTALL_HELP };
}

/** Finds a browser, installing one first when none is there and this machine can. */
export function ensureBrowser(configuredPath: string | undefined, log: (line: string) => void): BrowserChoice | { error: string } {
  const found = findBrowser(configuredPath);
  if (!('error' in found) || configuredPath) return found;
  for (const attempt of installAttempts()) {
    log(`No Chromium found; trying: ${attempt.display}`);
    const result = spawnSync(attempt.command, attempt.args, { stdio: ['ignore', 'inherit', 'inherit'], timeout: 10 * 60_000 });
    if (result.status === 0) {
      const after = findBrowser();
      if (!('error' in after)) return after;
    }
  }
  return { error: INSTALL_HELP };
}

function playwrightChromiumInstalled(): boolean {
  try {
    return existsSync(chromium.executablePath());
  } catch {
    return false;
  }
}

interface InstallAttempt {
  display: string;
  command: string;
  args: string[];
}

function installAttempts(): InstallAttempt[] {
  const attempts: InstallAttempt[] = [
    // The project's own Playwright, not whatever `npx` would fetch from the working folder.
    {
      display: 'npx playwright install chromium',
      command: process.execPath,
      args: [require.resolve('@playwright/test/cli'), 'install', 'chromium'],
    },
  ];
  // Debian's Chromium works where Playwright's download is out of reach; it needs root and apt-get.
  if (process.getuid?.() === 0 && hasCommand('apt-get')) {
    attempts.push({
      display: 'apt-get install -y chromium',
      command: 'sh',
      args: ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium'],
    });
  }
  return attempts;
}

function hasCommand(name: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
