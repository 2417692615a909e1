// Between the CLI and the Playwright runner it starts (playwright.config.ts): the browser is found once, by
// the runner (which loads Playwright anyway), and reaches the worker through the environment, which the worker
// inherits; the CLI itself never loads Playwright for a run. Imported by playwright.config.ts: no imports here.

export const RUNNER_ENV = {
  /** The BrowserChoice found (JSON): set by the runner for its worker, or by the CLI after it installed one. */
  browser: 'PROBE_BROWSER_CHOICE',
  /** Set by the CLI: with no browser, the runner then stops with BROWSER_MISSING_EXIT instead of throwing. */
  underCli: 'PROBE_UNDER_CLI',
  /** Set by the CLI while it lists a team's journeys (`playwright test --list`): no run folder, no browser. */
  listing: 'PROBE_LISTING',
  /** Set by the CLI: the journey a run is (its name in every report); else the test's title names it. */
  journey: 'PROBE_JOURNEY',
} as const;

/** The runner's exit code for "no browser here": the CLI installs one where this machine allows, and starts it again. */
export const BROWSER_MISSING_EXIT = 3;
