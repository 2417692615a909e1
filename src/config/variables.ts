// Every setting of the probe, in one table: its variable, what it means, its default. The README's table,
// .env.example and --help are checked against this list by a test, so this is the one place to add a setting.

export type VariableKind = 'url' | 'string' | 'secret' | 'ms' | 'count' | 'number' | 'enum' | 'regex' | 'path';

export interface VariableSpec {
  name: string;
  kind: VariableKind;
  /** Default as the user would write it; undefined when there is none. */
  default?: string;
  /** Allowed values, for kind `enum`. */
  values?: readonly string[];
  description: string;
}

export const LOGIN_STRATEGIES = ['form', 'e2e-bypass', 'token'] as const;
export type LoginStrategy = (typeof LOGIN_STRATEGIES)[number];

export const VARIABLES: readonly VariableSpec[] = [
  {
    name: 'PROBE_APP_URL',
    kind: 'url',
    description: 'Frontend of the staging (serves /login, /auth/callback, /chat). Unset: the embedded reference staging.',
  },
  { name: 'PROBE_API_URL', kind: 'url', description: 'API host (REST and the WebSocket). Default: PROBE_APP_URL.' },
  { name: 'PROBE_AUTH_URL', kind: 'url', description: 'Auth host. Default: PROBE_API_URL.' },
  {
    name: 'PROBE_LOGIN',
    kind: 'enum',
    values: LOGIN_STRATEGIES,
    default: 'form',
    description: 'How the probe logs in: the login form, the e2e bypass endpoint, or a given token.',
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
    name: 'PROBE_MESSAGE',
    kind: 'string',
    default: 'Summarize my usage for yesterday',
    description: 'The chat message the probe sends; a unique nonce is appended to it.',
  },
  {
    name: 'PROBE_EXPECT_ANSWER',
    kind: 'regex',
    description: 'A regular expression the final answer must match (check answer-expected). Unset: any non-empty answer.',
  },
  {
    name: 'PROBE_ANSWER_SELECTOR',
    kind: 'string',
    default: '[data-testid="response-card"]',
    description: 'Where the page renders the answer; the last match is read.',
  },
  {
    name: 'PROBE_FIRST_EVENT_WARN_MS',
    kind: 'ms',
    default: '5000',
    description: 'Send to first agent_started over this: degraded.',
  },
  {
    name: 'PROBE_FIRST_EVENT_TIMEOUT_MS',
    kind: 'ms',
    default: '15000',
    description: 'Send to first agent_started over this: fail (timeout).',
  },
  {
    name: 'PROBE_COMPLETE_WARN_MS',
    kind: 'ms',
    default: '30000',
    description: 'Send to final agent_completed over this: degraded.',
  },
  {
    name: 'PROBE_COMPLETE_TIMEOUT_MS',
    kind: 'ms',
    default: '60000',
    description: 'Send to final agent_completed over this: fail (timeout). Also how long the probe waits for it.',
  },
  {
    name: 'PROBE_RENDER_TIMEOUT_MS',
    kind: 'ms',
    default: '10000',
    description: 'How long after the final agent_completed the answer may take to appear in the page.',
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
    name: 'PROBE_CONTRACT',
    kind: 'path',
    description:
      'A JSON file with any part of the contract (event names, aliases, wrapper shape, field paths, answer events, error events, fallback markers) to use over the default.',
  },
  {
    name: 'PROBE_RETRIES_BEFORE_SEND',
    kind: 'count',
    default: '1',
    description: 'How many times a transport failure before the message is sent is retried. A failure after the send is never retried.',
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
