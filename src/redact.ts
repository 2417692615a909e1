// Secrets must never reach an artifact. Everything the probe writes (frames, reports, console, step errors)
// goes through one Redactor, which knows two things: the secret values of this run (password, bypass key,
// tokens, cookies and tickets as they are learned: capture/credentials.ts) and the shapes secrets take on the
// wire (Bearer headers, JWTs, `jwt.<token>` subprotocols, and the values of fields, parameters and headers
// whose name says they hold a credential).

export const REDACTED = '[REDACTED]';

/**
 * Whether a field, parameter or header name says it holds a credential. By rule, not by list, so that every
 * spelling of a name is one: lowercased, without `-` and `_` (`accessToken`, `access_token`, `Access-Token`
 * and `ACCESS_TOKEN` are all `accesstoken`), a name ending in token, secret, password, apikey (`x-api-key`),
 * ... or one of a few names that are credentials whole (`authorization`, `ticket`, `jwt`).
 */
export function isCredentialName(name: string): boolean {
  return CREDENTIAL_NAME.test(name.toLowerCase().replace(/[-_]/g, ''));
}

const CREDENTIAL_NAME =
  /(?:token|secret|password|passwd|passphrase|apikey|accesskey|privatekey|bypasskey|credentials?|sessionid|cookie)$|^(?:authorization|proxyauthorization|auth|jwt|ticket|sid)$/;

/** In a URL, a few short names carry credentials too (`?key=`, an OAuth `?code=`, a signed URL's `?sig=`). */
export function isCredentialParam(name: string): boolean {
  return isCredentialName(name) || /^(?:key|code|sig|session|pwd)$|signature$/.test(name.toLowerCase().replace(/[-_]/g, ''));
}

/** Whether a name reads as a header or an identifier (a `-` or `_`, camelCase, or a header name of its own), not as a word of prose. */
function readsAsHeader(name: string): boolean {
  return /[-_]/.test(name) || /[a-z][A-Z]/.test(name) || /^(?:authorization|cookie|apikey)$/i.test(name);
}

type Replace = (match: string, ...groups: string[]) => string;

/**
 * Replaces the value after a name when `test(name)` says it holds a credential, keeping what surrounds it.
 * Its patterns have four groups: before the name, the name, between the name and the value, after the value.
 */
const valueOf =
  (test: (name: string) => boolean): Replace =>
  (match, before, name, middle, after) =>
    test(name!) ? `${before}${name}${middle}${REDACTED}${after}` : match;

/**
 * What every name of a credential contains (a cheap first look, case aside, before isCredentialName or
 * isCredentialParam decides): most fields of a frame are passed over without a call.
 */
const HINT = '(?=[\\w.-]*?(?:token|secret|pass|pwd|key|auth|jwt|ticket|cookie|sid|sess|credential|code|sig))';

const SECRET_SHAPES: Array<[RegExp, Replace]> = [
  // JWT-looking strings: three base64url parts, the first a JSON header.
  [/eyJ[\w-]{4,}\.[\w-]{4,}\.[\w-]*/g, () => REDACTED],
  // Authorization values.
  [/\b(Bearer|Basic)\s+[\w.~+/=-]+/gi, (_m, scheme) => `${scheme} ${REDACTED}`],
  // The WebSocket subprotocol form of a token.
  [/\bjwt\.[\w.-]{8,}/g, () => REDACTED],
  // Credentials inside a URL's authority: scheme://user:password@host.
  [/(\/\/[^/@\s:]+:)[^/@\s]+(@)/g, (_m, before, after) => `${before}${REDACTED}${after}`],
  // JSON fields named as credentials (`"accessToken": "..."`), and the same inside a JSON string (`\"...\"`).
  [new RegExp(`(")${HINT}([^"\\\\]{1,64})("\\s*:\\s*")(?:[^"\\\\]|\\\\.)*(")`, 'gi'), valueOf(isCredentialName)],
  [new RegExp(`(\\\\")${HINT}([^"\\\\]{1,64})(\\\\"\\s*:\\s*\\\\")(?:[^"\\\\]|\\\\[^"])*(\\\\")`, 'gi'), valueOf(isCredentialName)],
  // URL parameters (`?ticket=`, `#access_token=`), and form or cookie pairs (`client_secret=`, `; refresh_token=`).
  [new RegExp(`([?&#])${HINT}([\\w.-]{1,64})(=)[^&#\\s"';,]+()`, 'gi'), valueOf(isCredentialParam)],
  [new RegExp(`(^|[;,\\s])${HINT}([\\w.-]{1,64})(=)[^&#\\s"';,]+()`, 'gi'), valueOf(isCredentialName)],
  // Header lines (`X-Api-Key: ...`, `Authorization: Token ...`); an auth scheme before the value is kept.
  [
    new RegExp(`()\\b${HINT}([a-z][\\w-]{2,63})(\\s*:\\s*(?:(?:Bearer|Basic|Token|Digest)\\s+)?)(?!\\[REDACTED\\]|(?:Bearer|Basic|Token|Digest)\\s)[^\\s,;"']+()`, 'gi'),
    valueOf((name) => isCredentialName(name) && readsAsHeader(name)),
  ],
];

/**
 * What every text a shape above matches contains, case aside: a text with none of these is passed over
 * without trying each shape (most frames of a run, and all of a flood's).
 */
const ANY_SHAPE = /eyJ|bearer|basic|jwt|\/\/|token|secret|pass|pwd|key|auth|ticket|cookie|sid|sess|credential|code|sig/i;

export class Redactor {
  private readonly secrets = new Set<string>();
  /** The secrets longest first, so that a secret containing another is replaced whole; rebuilt when one is learned. */
  private longestFirst: string[] = [];

  constructor(secrets: Array<string | undefined> = []) {
    for (const s of secrets) this.add(s);
  }

  /** How many values it knows (each in its raw, JSON and URL forms): grows whenever it learns one. */
  get known(): number {
    return this.secrets.size;
  }

  /** Learn a secret value; very short values are ignored because they would redact ordinary text. */
  add(secret: string | undefined): void {
    if (!secret || secret.length < 4) return;
    this.secrets.add(secret);
    // The same secret as it appears inside a JSON string, where quotes and backslashes are escaped.
    this.secrets.add(JSON.stringify(secret).slice(1, -1));
    // And as it appears in a URL.
    this.secrets.add(encodeURIComponent(secret));
    this.longestFirst = [...this.secrets].sort((a, b) => b.length - a.length);
  }

  redact(text: string): string {
    let out = text;
    for (const s of this.longestFirst) if (out.includes(s)) out = out.split(s).join(REDACTED);
    if (!ANY_SHAPE.test(out)) return out;
    for (const [shape, replace] of SECRET_SHAPES) out = out.replace(shape, replace);
    return out;
  }

  /** Redacts every string inside a JSON-able value. */
  redactValue<T>(value: T): T {
    return JSON.parse(this.redact(JSON.stringify(value))) as T;
  }
}
