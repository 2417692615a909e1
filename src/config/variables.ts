// Every setting of the probe, in one table: its variable, what it means, its default. The README's table,
// .env.example and --help are checked against this list by a test, so this is the one place to add a setting.

export type VariableKind = 'url' | 'string' | 'selector' | 'turns' | 'json-list' | 'secret' | 'ms' | 'count' | 'sessions' | 'number' | 'duration' | 'enum' | 'regex' | 'path' | 'app-path';

export interface VariableSpec {
  name: string;
  kind: VariableKind;
  /** Default as the user would write it; undefined when there is none. */
  default?: string;
  /** Allowed values, for kind `enum`. */
  values?: readonly string[];
  /**
   * Kind `url`: credentials written in the URL (`https://user:password@host`) are sent as Basic auth by the
   * probe's own HTTP client and never shown. Without it they are refused: the browser's URLs reach
   * Playwright's step titles and HTML report, which no redactor passes over.
   */
  basicAuth?: boolean;
  description: string;
}

export const LOGIN_STRATEGIES = ['form', 'e2e-bypass', 'token', 'storage-state'] as const;
export const TOKEN_HANDOFFS = ['callback', 'local-storage', 'cookie'] as const;
export type TokenHandoff = (typeof TOKEN_HANDOFFS)[number];
export const PROFILES = ['generic', 'netra'] as const;
export type ProfileName = (typeof PROFILES)[number];
export type LoginStrategy = (typeof LOGIN_STRATEGIES)[number];
export const ALERT_FORMATS = ['json', 'slack', 'pagerduty', 'alertmanager'] as const;
export type AlertFormat = (typeof ALERT_FORMATS)[number];

/**
 * Variables the probe sets for itself between its own processes (src/cli/runner-env.ts, the embedded
 * reference's global setup): not settings, and never an unknown name.
 */
export const INTERNAL_VARIABLES: readonly string[] = ['PROBE_EMBEDDED', 'PROBE_EMBEDDED_ASKED', 'PROBE_RUN_DIR', 'PROBE_BROWSER_CHOICE', 'PROBE_UNDER_CLI', 'PROBE_JOURNEY', 'PROBE_LISTING'];

export const VARIABLES: readonly VariableSpec[] = [
  {
    name: 'PROBE_PROFILE',
    kind: 'enum',
    values: PROFILES,
    default: 'generic',
    description:
      'A preset for a kind of platform: `netra` sets three hosts, e2e-bypass login through /auth/callback, ticket socket auth and health preflight; `generic` is form login and every socket.',
  },
  {
    name: 'PROBE_APP_URL',
    kind: 'url',
    description:
      'Frontend of the staging (serves the login page, the token callback and the chat: PROBE_LOGIN_PATH, PROBE_CALLBACK_PATH, PROBE_CHAT_PATH); with a path (`https://app.example/workspace/`), that page is the one opened first and the hosts are its origin. Unset: the embedded reference staging; `embedded` says so in so many words (loop mode and alerts need that).',
  },
  { name: 'PROBE_API_URL', kind: 'url', description: 'API host (REST and the WebSocket). Default: PROBE_APP_URL.' },
  { name: 'PROBE_AUTH_URL', kind: 'url', description: 'Auth host. Default: PROBE_API_URL.' },
  {
    name: 'PROBE_LOGIN',
    kind: 'enum',
    values: LOGIN_STRATEGIES,
    default: 'form',
    description:
      'How the probe logs in: the login form, the e2e bypass endpoint, a given token, or a saved Playwright storage state (PROBE_STORAGE_STATE) only.',
  },
  { name: 'PROBE_LOGIN_PATH', kind: 'string', default: '/login', description: 'Path of the login page (form login).' },
  {
    name: 'PROBE_LOGIN_USERNAME_SELECTOR',
    kind: 'selector',
    default: '[data-testid="login-username"], input[name="username"], input[type="email"]',
    description: 'The username field (form login).',
  },
  {
    name: 'PROBE_LOGIN_PASSWORD_SELECTOR',
    kind: 'selector',
    default: '[data-testid="login-password"], input[name="password"], input[type="password"]',
    description: 'The password field (form login).',
  },
  {
    name: 'PROBE_LOGIN_SUBMIT_SELECTOR',
    kind: 'selector',
    default: '[data-testid="login-submit"], button[type="submit"]',
    description: 'The submit button (form login).',
  },
  {
    name: 'PROBE_LOGIN_ERROR_SELECTOR',
    kind: 'selector',
    default: '[data-testid="login-error"], [role="alert"]',
    description: 'Where the login page shows a rejection; seen: the login failed (class auth).',
  },
  {
    name: 'PROBE_LOGIN_SUCCESS_SELECTOR',
    kind: 'selector',
    description: 'Seen after submitting: logged in. Unset: leaving the login path means logged in.',
  },
  {
    name: 'PROBE_TOKEN_HANDOFF',
    kind: 'enum',
    values: TOKEN_HANDOFFS,
    default: 'callback',
    description:
      'How a token (e2e-bypass, token) reaches the app: its callback URL (PROBE_CALLBACK_PATH?access_token=...), localStorage, or a cookie (both named PROBE_TOKEN_STORAGE_KEY).',
  },
  { name: 'PROBE_CALLBACK_PATH', kind: 'string', default: '/auth/callback', description: 'The app page that takes ?access_token=.' },
  { name: 'PROBE_TOKEN_STORAGE_KEY', kind: 'string', default: 'jwt_token', description: 'localStorage key, or cookie name, of the token.' },
  {
    name: 'PROBE_STORAGE_STATE',
    kind: 'path',
    description:
      'A Playwright storage state file (`golden-path-probe login --save FILE` writes one). Reused while its token is valid; then the configured strategy logs in again and rewrites it. Holds a token: keep it out of git.',
  },
  { name: 'PROBE_USERNAME', kind: 'string', description: 'Username for PROBE_LOGIN=form.' },
  { name: 'PROBE_PASSWORD', kind: 'secret', description: 'Password for PROBE_LOGIN=form. Never written anywhere.' },
  {
    name: 'PROBE_E2E_BYPASS_KEY',
    kind: 'secret',
    description: 'X-E2E-Bypass-Key for PROBE_LOGIN=e2e-bypass. Never written anywhere.',
  },
  {
    name: 'PROBE_E2E_EMAIL',
    kind: 'string',
    default: 'golden-path-probe@example.com',
    description: 'Email of the test user the bypass endpoint logs in.',
  },
  {
    name: 'PROBE_TOKEN',
    kind: 'secret',
    description: 'Access token for PROBE_LOGIN=token, seeded into localStorage.jwt_token. Never written anywhere.',
  },
  {
    name: 'PROBE_USERS',
    kind: 'sessions',
    default: '1',
    description:
      'How many sessions run at once, each its own browser context, test user, login, message and nonce; beside each session\'s own verdict, check cross-talk (class isolation) looks for one session\'s nonce, ids or answer in another\'s frames or page.',
  },
  {
    name: 'PROBE_USER_EMAIL_PATTERN',
    kind: 'string',
    default: '{local}+{n}@{domain}',
    description:
      'With PROBE_USERS above 1 and e2e-bypass login: the email of session n, made of PROBE_E2E_EMAIL (`{local}` before its @, `{domain}` after). Must contain {n}.',
  },
  {
    name: 'PROBE_USERS_FILE',
    kind: 'path',
    description:
      'With PROBE_USERS above 1 and form login: a JSON list of {"username", "password"}, one user a session, in order. Its passwords are never written anywhere.',
  },
  {
    name: 'PROBE_TOKENS_FILE',
    kind: 'path',
    description: 'With PROBE_USERS above 1 and token login: a file of access tokens, one a line (blank lines and # comments skipped), one a session. Never written anywhere.',
  },
  {
    name: 'PROBE_CHAT_PATH',
    kind: 'app-path',
    default: '/chat',
    description: 'Path of the chat page on PROBE_APP_URL: opened after the login unless the app is already there.',
  },
  {
    name: 'PROBE_MESSAGE_SELECTOR',
    kind: 'selector',
    description:
      'The message box the probe types into. Unset: `[data-testid="message-textarea"]`, else the last visible textbox of the page (a textarea, an input, role=textbox or contenteditable: the message box sits below the conversation).',
  },
  {
    name: 'PROBE_SEND_SELECTOR',
    kind: 'selector',
    description:
      'The send control the probe clicks, or `enter`: press Enter in the message box. Unset: `[data-testid="send-button"]`, else a visible button whose accessible name has the word "send"; with neither, Enter.',
  },
  {
    name: 'PROBE_MESSAGE',
    kind: 'string',
    default: 'Summarize my usage for yesterday',
    description: 'The chat message the probe sends; a unique nonce is appended to it.',
  },
  {
    name: 'PROBE_TURNS',
    kind: 'turns',
    default: '1',
    description:
      "How many turns the conversation has: after each answer the probe sends the next message in the same thread, and judges each turn as its own run (same thread id, a run id of its own); a turn that gets another turn's events fails, naming both.",
  },
  {
    name: 'PROBE_MESSAGES',
    kind: 'json-list',
    description:
      'The messages of the turns, a JSON list of strings (`["What drove my costs?", "And last month?"]`); each turn carries its own nonce. Unset: PROBE_MESSAGE, then "Follow-up N: ..." of it.',
  },
  {
    name: 'PROBE_JOURNEYS',
    kind: 'path',
    description:
      "A folder of your own journeys: Playwright Test specs written with `golden-path-probe/playwright` (README, Your own journeys). Each test is a journey, run as a run of its own with every report, the history, alerts and metrics, named by its title. Unset: the built-in journey, `golden-path`.",
  },
  {
    name: 'PROBE_PERSISTENCE',
    kind: 'enum',
    values: ['on', 'off'],
    default: 'on',
    description:
      'After the last answer, reload the app and return to the conversation as a user would (its URL, else the conversation list): every message and answer must be visible again (check persisted, class persistence).',
  },
  {
    name: 'PROBE_THREAD_LIST_SELECTOR',
    kind: 'selector',
    default: '[data-testid="thread-item-{threadId}"], [data-thread-id="{threadId}"]',
    description:
      "The conversation in the app's conversation list, clicked to return to it after a reload when the page's URL did not bring it back; `{threadId}` stands for the conversation's thread id.",
  },
  {
    name: 'PROBE_THREAD_MESSAGES_URL',
    kind: 'string',
    description:
      "The thread's stored history (REST), asked from the page with its own token after the reload, so that the verdict tells `not saved` from `saved but not shown`; `{api}` and `{threadId}` are filled in. The netra profile sets `{api}/api/threads/{threadId}/messages`. Unset: not asked.",
  },
  {
    name: 'PROBE_EXPECT_ANSWER',
    kind: 'regex',
    description: 'A regular expression the final answer must match (check answer-expected). Unset: any non-empty answer.',
  },
  {
    name: 'PROBE_ANSWER_SELECTOR',
    kind: 'selector',
    description:
      "Where the page shows the answer: the visible text of every match is read. Unset: the page's whole visible text (an answer must appear there after the send).",
  },
  {
    name: 'PROBE_FIRST_EVENT_WARN_MS',
    kind: 'ms',
    default: '5000',
    description: 'Send to first agent_started over this: degraded. Unset while PROBE_FIRST_EVENT_TIMEOUT_MS is set: a third of it.',
  },
  {
    name: 'PROBE_FIRST_EVENT_TIMEOUT_MS',
    kind: 'ms',
    default: '15000',
    description: 'Send to first agent_started over this: fail (timeout). Unset while a warning above 15 s is set: three times the warning.',
  },
  {
    name: 'PROBE_COMPLETE_WARN_MS',
    kind: 'ms',
    default: '30000',
    description: 'Send to final agent_completed over this: degraded. Unset while PROBE_COMPLETE_TIMEOUT_MS is set: half of it.',
  },
  {
    name: 'PROBE_COMPLETE_TIMEOUT_MS',
    kind: 'ms',
    default: '60000',
    description: 'Send to final agent_completed over this: fail (timeout). Also how long the probe waits for it. Unset while a warning above 60 s is set: twice the warning.',
  },
  {
    name: 'PROBE_FINAL_GRACE_MS',
    kind: 'ms',
    default: '1000',
    description: 'How long the probe keeps listening after the final agent_completed, so that late events (a tool_completed after it) are judged, not missed.',
  },
  {
    name: 'PROBE_RENDER_TIMEOUT_MS',
    kind: 'ms',
    default: '10000',
    description:
      "How long after the final agent_completed the run's final answer may take to come and to appear in the page (an answer may follow the completion by seconds; each frame that arrives meanwhile is read).",
  },
  {
    name: 'PROBE_UNRESPONSIVE_MS',
    kind: 'ms',
    default: '15000',
    description:
      'A page that answers no read (a heartbeat every second once the chat is open, every read of its text) for this long has stopped responding: the run ends at once, ui-render.',
  },
  {
    name: 'PROBE_STEP_TIMEOUT_MS',
    kind: 'ms',
    default: '15000',
    description: 'Bound of each page step: navigation, login, the chat page and its socket.',
  },
  {
    name: 'PROBE_REPORT_DIR',
    kind: 'path',
    default: 'reports',
    description: 'Where runs are written: <dir>/<timestamp>/ and <dir>/latest.',
  },
  {
    name: 'PROBE_PREFLIGHT',
    kind: 'enum',
    values: ['on', 'off'],
    default: 'on',
    description: 'Check the health URLs (PROBE_PREFLIGHT_URLS) over HTTP before a browser starts; `--skip-preflight` is `off`.',
  },
  {
    name: 'PROBE_PREFLIGHT_URLS',
    kind: 'string',
    default: '{app}/',
    description: 'Comma-separated URLs to check first; `{app}`, `{api}`, `{auth}` stand for the three hosts.',
  },
  { name: 'PROBE_PREFLIGHT_TIMEOUT_MS', kind: 'ms', default: '3000', description: 'Bound of each preflight request (DNS, connect, TLS, answer).' },
  {
    name: 'PROBE_WS_AUTH',
    kind: 'enum',
    values: ['ticket', 'subprotocol'],
    default: 'ticket',
    description: 'How the browserless protocol probe (`diagnose`) authenticates its socket: a ticket, or the `jwt.<token>` subprotocol.',
  },
  {
    name: 'PROBE_CONTRACT',
    kind: 'path',
    description:
      'A JSON file with any part of the contract (event names, aliases, wrapper shape, field paths, answer events, error events, fallback markers, root agent names) to use over the default.',
  },
  {
    name: 'PROBE_RETRIES_BEFORE_SEND',
    kind: 'count',
    default: '1',
    description: 'How many times a transport failure before the message is sent is retried. A failure after the send is never retried.',
  },
  {
    name: 'PROBE_EVERY',
    kind: 'duration',
    description: 'Loop mode: run again every this long (`30s`, `5m`, `1h`), never two runs at once; SIGTERM ends it after the current run. Unset: run once.',
  },
  {
    name: 'PROBE_HISTORY_DB',
    kind: 'path',
    description:
      'The history of every run (and the alert state): a file path (SQLite, for one machine) or a `postgres://user:password@host:port/db` URL (PostgreSQL, shared by a fleet; `?sslmode=require` for TLS; its password is never printed). Default: <PROBE_REPORT_DIR>/history.db; `off` keeps none.',
  },
  {
    name: 'PROBE_HISTORY_SCHEMA',
    kind: 'string',
    default: 'golden_path',
    description:
      'PostgreSQL only: the schema of its own that holds the history (runs, alerts, alert_state, golden_path_schema), created when missing; an object in it the probe did not create is an error (exit 2), never adopted. A SQLite file is its own namespace.',
  },
  {
    name: 'PROBE_LOCATION',
    kind: 'string',
    description: 'Where this probe runs (a region, a cluster, a CI runner): tags every run in result.json, the history, the metrics (label `location`), alerts and reports. Default: the host name. Given, alerts and window metrics follow this location\'s runs only; unset, the whole history is one machine\'s.',
  },
  {
    name: 'PROBE_ALERT_LOCATIONS',
    kind: 'string',
    description:
      'Fleet alerts: `N` or `N/M`. The fleet is failing when at least N locations are failing by the per-location rule (PROBE_ALERT_AFTER, PROBE_ALERT_WINDOW), counted over the locations seen within the window (PROBE_ALERT_WINDOW, else 1h); M, the fleet\'s size, is for the message. One alert per change of the fleet\'s state. Needs PROBE_LOCATION on every probe (a host name changes with every pod).',
  },
  {
    name: 'PROBE_ALERT_WEBHOOK',
    kind: 'secret',
    description: 'Where alerts go (POST JSON): sent on a change of state, never once per failed run. A Slack webhook URL is a secret: it is never printed.',
  },
  {
    name: 'PROBE_ALERT_FORMAT',
    kind: 'enum',
    values: ALERT_FORMATS,
    default: 'json',
    description:
      "The alert's body: generic JSON; Slack's incoming-webhook format; `pagerduty`, PagerDuty's Events API v2 (trigger and resolve, one dedup_key per location or fleet; PROBE_ALERT_WEBHOOK defaults to PagerDuty's endpoint); `alertmanager`, POSTed to PROBE_ALERT_WEBHOOK's /api/v2/alerts (labels alertname, location, class).",
  },
  {
    name: 'PROBE_PAGERDUTY_ROUTING_KEY',
    kind: 'secret',
    description: "PROBE_ALERT_FORMAT=pagerduty: the integration's routing key (Events API v2). A secret: never written anywhere but the alert's body.",
  },
  { name: 'PROBE_ALERT_AFTER', kind: 'count', default: '3', description: 'A failing alert after this many consecutive failed runs.' },
  {
    name: 'PROBE_ALERT_WINDOW',
    kind: 'string',
    description: 'Also a failing alert after X failures within a time, written `X/Y` (`3/15m`), consecutive or not.',
  },
  { name: 'PROBE_ALERT_REMIND', kind: 'duration', default: '1h', description: 'While still failing, remind this often (`off`: never).' },
  {
    name: 'PROBE_TRACE_PROPAGATION',
    kind: 'enum',
    values: ['on', 'off'],
    default: 'on',
    description:
      'W3C trace context: every request of a session to the target\'s origins (page loads, fetch/XHR, the WebSocket upgrade) carries `traceparent` (the session\'s trace id, a fresh parent span id) and `tracestate` (golden-path-probe); other origins get nothing. `off`: none.',
  },
  {
    name: 'PROBE_TRACE_URL',
    kind: 'string',
    description:
      'A link to a trace, with `{traceId}` where the trace id goes (`https://grafana.example/explore?traceId={traceId}`, a Jaeger or Cloud Trace URL): the console, summary.md, alerts, the job summary and the validation report link the run\'s trace.',
  },
  {
    name: 'PROBE_METRICS_FILE',
    kind: 'path',
    description: "Write Prometheus metrics here after each run, for node_exporter's textfile collector (written atomically).",
  },
  {
    name: 'PROBE_PUSHGATEWAY_URL',
    kind: 'url',
    basicAuth: true,
    description: 'Also push the metrics to this Prometheus Pushgateway (`https://user:password@host` is sent as Basic auth, never shown).',
  },
  {
    name: 'PROBE_REFERENCE_SPEED',
    kind: 'number',
    default: '1',
    description: 'Delay factor of the embedded reference staging: 1 is realistic (about 1-2 s a run), 0 is instant.',
  },
  {
    name: 'PROBE_BROWSER_PATH',
    kind: 'path',
    description: "A Chromium executable to use. Unset: Playwright's own Chromium, else the system's.",
  },
];
