// `golden-path-probe COMMAND --help`: what that command does and the options it takes, on one screen. The
// settings (flags and variables) are the same for every command that runs the probe and are listed by
// `golden-path-probe --help` (or `run --help`).

export const COMMAND_HELP: Record<string, string> = {
  diagnose: `Usage: golden-path-probe diagnose [settings]

Runs the browser probe, then the browserless protocol probe against the same staging (PROBE_APP_URL, the API
and auth hosts), and says where the golden path broke: backend (the protocol probe fails too), frontend (only
the browser fails), or neither. Needs a target. Writes diagnosis.json into the run's folder.
Exit: 0 when both pass, 1 otherwise, 2 when the probe could not judge.
The settings: golden-path-probe --help.`,
  validate: `Usage: golden-path-probe validate [--runs N] [--require M] [--expect-version V [--version-url URL]
                               [--version-field PATH]] [--junit FILE] [settings]

The pre-release gate: runs the probe N times (default 5) against the target and passes when at least M of
them (default N) pass or are degraded, and, with --expect-version, when the target reports version V.
  --runs N            how many runs, 1 to 100 (default 5)
  --require M         how many must pass, 0 to N (default N)
  --expect-version V  the version the target must report; checked once, before any run
  --version-url URL   where the version is read (default {api}/health; {app}, {api}, {auth} stand for the hosts)
  --version-field P   the field of its JSON answer that holds the version (default version; dotted paths)
  --junit FILE        the gate's JUnit file (default <PROBE_REPORT_DIR>/validate-junit.xml)
A version URL that cannot be read, or an answer without the field, is a configuration error (exit 2); a
version that differs fails the gate (exit 1). The embedded reference has no release to check.
Exit: 0 the gate passed, 1 it failed, 2 it could not be judged.`,
  history: `Usage: golden-path-probe history [--since T] [--by location] [--target URL] [--journey NAME]

What the history (PROBE_HISTORY_DB) says of the runs since T (default 24h; a duration ago, or an ISO time):
the success rate, the failures by class, p50/p95 of each event, of the run's final agent_completed and of
the answer visible in the page; for runs of several turns, of each turn's.
  --since T        the window: 24h, 7d, or 2026-12-01T00:00:00Z
  --by location    one row per location (PROBE_LOCATION): runs, success rate, p50/p95 of each series
  --target URL     only the runs of this target (a PROBE_APP_URL, or "embedded reference staging"); with
                   several targets in the window and none given, one table per target
  --journey NAME   only the runs of this journey (golden-path, the built-in one, or one of PROBE_JOURNEYS);
                   with several and none given, one table per journey`,
  report: `Usage: golden-path-probe report [--since T | --last N] [--baseline T1..T2] [--target URL]
                             [--journey NAME] [--title "..."] [--out DIR]

The post-remediation validation report (HTML and Markdown) of the runs in PROBE_REPORT_DIR: every check,
every event with its timing, before vs after, the evidence linked.
  --since T          the runs since T (a duration ago, or an ISO time)
  --last N           the last N runs (default 20)
  --baseline T1..T2  the runs between T1 and T2 are "before" (e.g. 48h..24h)
  --target URL       only the runs of this target (with several targets and none given: the most recent one's,
                     and the report says which others there were)
  --journey NAME     only the runs of this journey (golden-path, or one of PROBE_JOURNEYS); with several and
                     none given, the most recent one's, as for --target
  --title "..."      the report's title
  --out DIR          where to write it (default <PROBE_REPORT_DIR>/validation-<time>)`,
  login: `Usage: golden-path-probe login --save FILE [settings]

Logs in once, in a real browser, with the configured strategy (PROBE_LOGIN) and saves the browser's storage
state to FILE, for PROBE_STORAGE_STATE. The file holds a token: keep it out of git and of reports.`,
  'install-browser': `Usage: golden-path-probe install-browser

Finds a Chromium (Playwright's own, else the system's), installing one where this machine allows
(npx playwright install chromium, or apt-get install chromium as root), else says exactly what to run.`,
};
