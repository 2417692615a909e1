// Credentials and tokens of the reference staging. Tokens look like the platform's JWTs (HS256,
// base64url JSON payload with sub/email/exp) so that a probe which decodes them sees realistic data,
// and they are really verified: a probe that forges or mangles a token must be refused.
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * The reference staging's own login data. They only work against this embedded server (each
 * instance signs with a random secret); they are no secret of any real deployment.
 */
export const REFERENCE_CREDENTIALS = {
  username: 'probe@reference.test',
  password: 'reference-password',
  bypassKey: 'reference-bypass-key',
} as const;

/** The highest n of referenceUsername(n). */
export const MAX_REFERENCE_USERS = 999;

/**
 * The form login's username of test user `n` (1 to MAX_REFERENCE_USERS): the reference username with
 * `+n` put before the `@`, e.g. referenceUsername(2) is `probe+2@reference.test`. Each signs in with the
 * reference password as a user of its own (its own stable user id, as any email has), so a probe can log
 * in several sessions as different users (`--users N`). Throws a RangeError for any other n.
 */
export function referenceUsername(n: number): string {
  if (!Number.isInteger(n) || n < 1 || n > MAX_REFERENCE_USERS) throw new RangeError(`n must be a whole number from 1 to ${MAX_REFERENCE_USERS} (got ${n})`);
  const at = REFERENCE_CREDENTIALS.username.indexOf('@');
  return `${REFERENCE_CREDENTIALS.username.slice(0, at)}+${n}${REFERENCE_CREDENTIALS.username.slice(at)}`;
}

/** Whether the form login knows `username` (trimmed, any case): the reference username or a referenceUsername(n). */
export function isReferenceUsername(username: string): boolean {
  const clean = username.trim().toLowerCase();
  if (safeEqual(clean, REFERENCE_CREDENTIALS.username)) return true;
  // Only the canonical spelling of n: probe+02@... is no user.
  const n = /^[^@+]+\+([1-9][0-9]{0,2})@/.exec(clean)?.[1];
  return n !== undefined && clean === referenceUsername(Number(n));
}

/** Default lifetime of an access token (the platform's `expires_in`); `tokenTtlSec` changes it per server. */
export const ACCESS_TOKEN_TTL_S = 900;
const REFRESH_TOKEN_TTL_S = 7 * 24 * 3600;
export const TICKET_TTL_S = 30;

/** The time in epoch milliseconds; a test passes its own to move time without sleeping. */
export type Clock = () => number;

export interface TokenClaims {
  sub: string;
  email: string;
  name?: string;
  typ: 'access' | 'refresh';
  iat: number;
  exp: number;
  jti: string;
}

export interface User {
  id: string;
  email: string;
  name?: string;
}

/** Stable per email, so a probe sees the same user id run after run (and across restarts). */
export function userIdFor(email: string): string {
  return 'user-' + createHash('sha256').update(email.trim().toLowerCase()).digest('hex').slice(0, 12);
}

export function makeUser(email: string, name?: string): User {
  const clean = email.trim().toLowerCase();
  return name ? { id: userIdFor(clean), email: clean, name } : { id: userIdFor(clean), email: clean };
}

function b64url(data: string | Buffer): string {
  return Buffer.from(data).toString('base64url');
}

/** Compares strings in constant time, also when the lengths differ. */
export function safeEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb) && a.length === b.length;
}

/**
 * Signing key of the tokens the test helper issueToken() mints. Random per process, never sent anywhere;
 * every TokenService of this process accepts it besides its own, so such a token is judged on its claims
 * (an expired one is refused for its `exp`, not for its signature).
 */
const TEST_HELPER_SECRET = randomBytes(32);

function sign(secret: Buffer, claims: TokenClaims): string {
  const head = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const body = b64url(JSON.stringify(claims));
  const sig = createHmac('sha256', secret).update(`${head}.${body}`).digest('base64url');
  return `${head}.${body}.${sig}`;
}

/**
 * `sub` is the user's id, as the platform issues it; with `externalSub`, an external identity provider's own
 * id for the person (`idp|...`), which is not the platform's user id (the platform maps the email to it).
 */
function accessClaims(user: User, nowSec: number, ttlSec: number, externalSub = false): TokenClaims {
  const sub = externalSub ? `idp|${createHash('sha256').update(`idp:${user.email}`).digest('hex').slice(0, 16)}` : user.id;
  return { sub, email: user.email, ...(user.name ? { name: user.name } : {}), typ: 'access', iat: nowSec, exp: nowSec + ttlSec, jti: randomBytes(8).toString('hex') };
}

/** The platform's user behind valid claims: its id comes from the email, whatever `sub` says. */
export function userOfClaims(claims: TokenClaims): User {
  return { id: userIdFor(claims.email), email: claims.email };
}

/**
 * A test helper: an access token for `email` (its stable user id) that every reference server of this
 * process accepts until it expires; `ttlSec` default ACCESS_TOKEN_TTL_S, negative for a token that is
 * already expired, e.g. `issueToken(email, { ttlSec: -10 })`. Tokens of the reference are worthless outside it.
 */
export function issueToken(email: string, opts: { ttlSec?: number; name?: string } = {}): string {
  const ttl = opts.ttlSec ?? ACCESS_TOKEN_TTL_S;
  if (!Number.isFinite(ttl)) throw new Error(`ttlSec must be a finite number of seconds (got ${opts.ttlSec})`);
  return sign(TEST_HELPER_SECRET, accessClaims(makeUser(email, opts.name), Math.floor(Date.now() / 1000), ttl));
}

/**
 * The tokens a reference issues: JWTs (the platform's), or opaque random strings with nothing to recognise
 * them by, as many other platforms issue, with an HttpOnly session cookie beside them. A probe must keep both
 * out of what it writes.
 */
export type CredentialStyle = 'jwt' | 'opaque';

/** The session cookie an opaque-style login sets (HttpOnly: the page's scripts never see it). */
export const SESSION_COOKIE = 'ref_session';

/** Opaque tokens of issueOpaqueToken(): every TokenService of this process accepts them, as issueToken()'s JWTs. */
const TEST_HELPER_OPAQUE = new Map<string, TokenClaims>();

function opaqueValue(): string {
  return randomBytes(24).toString('base64url');
}

/** A test helper: an opaque access token for `email` that every reference server of this process accepts. */
export function issueOpaqueToken(email: string): string {
  const token = opaqueValue();
  TEST_HELPER_OPAQUE.set(token, accessClaims(makeUser(email), Math.floor(Date.now() / 1000), ACCESS_TOKEN_TTL_S));
  return token;
}

export interface TokenOptions {
  /** Lifetime of access tokens in seconds. Default ACCESS_TOKEN_TTL_S. */
  ttlSec?: number;
  /** Default Date.now. */
  clock?: Clock;
}

export class TokenService {
  // One random secret per server instance: tokens of one reference never verify on another.
  private readonly secret = randomBytes(32);
  readonly ttlSec: number;
  private readonly clock: Clock;

  constructor(opts: TokenOptions = {}) {
    this.ttlSec = opts.ttlSec ?? ACCESS_TOKEN_TTL_S;
    this.clock = opts.clock ?? Date.now;
  }

  /** Opaque tokens issued (value -> claims): verified by lookup, as an opaque token can only be. */
  private readonly opaque = new Map<string, TokenClaims>();
  /** Every credential value issued (tokens, refresh tokens, session cookies), for tests that look for them anywhere. */
  readonly issued: string[] = [];
  /** The refresh token last issued to each user, by user id. */
  readonly refreshOf = new Map<string, string>();

  /** `externalSub`: tokens as an external identity provider makes them, `sub` not the user id (accessClaims). */
  issue(user: User, style: CredentialStyle = 'jwt', externalSub = false): { access_token: string; refresh_token: string; token_type: 'Bearer'; expires_in: number; user: User } {
    const now = Math.floor(this.clock() / 1000);
    const access = accessClaims(user, now, this.ttlSec, externalSub);
    const refresh: TokenClaims = { ...accessClaims(user, now, REFRESH_TOKEN_TTL_S, externalSub), typ: 'refresh' };
    const [accessToken, refreshToken] = style === 'jwt' ? [sign(this.secret, access), sign(this.secret, refresh)] : [this.opaqueFor(access), this.opaqueFor(refresh)];
    this.issued.push(accessToken, refreshToken);
    this.refreshOf.set(user.id, refreshToken);
    return { access_token: accessToken, refresh_token: refreshToken, token_type: 'Bearer', expires_in: this.ttlSec, user };
  }

  /** A session cookie's value (opaque style); recorded as issued. */
  newSession(): string {
    const value = opaqueValue();
    this.issued.push(value);
    return value;
  }

  /** Forgets what was issued (reset): the tokens themselves stay valid until they expire. */
  forgetIssued(): void {
    this.issued.length = 0;
    this.refreshOf.clear();
  }

  private opaqueFor(claims: TokenClaims): string {
    const token = opaqueValue();
    this.opaque.set(token, claims);
    return token;
  }

  /** The claims of a valid, unexpired access token (signed by this server, or by issueToken()); null for anything else. */
  verifyAccess(token: string | undefined | null): TokenClaims | null {
    if (!token) return null;
    const opaque = this.opaque.get(token) ?? TEST_HELPER_OPAQUE.get(token);
    if (opaque) return opaque.typ === 'access' && opaque.exp * 1000 > this.clock() ? opaque : null;
    const parts = token.split('.');
    if (parts.length !== 3) return null;
    const [head, body, sig] = parts as [string, string, string];
    const signedBy = (secret: Buffer) => safeEqual(sig, createHmac('sha256', secret).update(`${head}.${body}`).digest('base64url'));
    if (!signedBy(this.secret) && !signedBy(TEST_HELPER_SECRET)) return null;
    try {
      const claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as TokenClaims;
      if (claims.typ !== 'access' || typeof claims.sub !== 'string') return null;
      if (typeof claims.exp !== 'number' || claims.exp * 1000 <= this.clock()) return null;
      return claims;
    } catch {
      return null;
    }
  }
}

/** Bearer token from an Authorization header. */
export function bearer(header: string | undefined): string | null {
  const m = /^Bearer\s+(\S+)$/i.exec(header ?? '');
  return m ? (m[1] ?? null) : null;
}

interface Ticket {
  user: User;
  expiresAt: number;
}

/** WebSocket tickets: single use and short-lived, like the platform's, so a leaked URL is worth little. */
export class TicketStore {
  private tickets = new Map<string, Ticket>();
  /** Every ticket issued since the last clear(), for tests that look for them anywhere. */
  readonly issued: string[] = [];

  constructor(private readonly clock: Clock = Date.now) {}

  issue(user: User): { ticket: string; expires_in: number } {
    this.sweep();
    const ticket = randomBytes(24).toString('base64url');
    this.issued.push(ticket);
    this.tickets.set(ticket, { user, expiresAt: this.clock() + TICKET_TTL_S * 1000 });
    return { ticket, expires_in: TICKET_TTL_S };
  }

  /** The ticket's user, consuming the ticket; null when unknown, used or expired. */
  redeem(ticket: string | null): User | null {
    if (!ticket) return null;
    const found = this.tickets.get(ticket);
    this.tickets.delete(ticket);
    if (!found || found.expiresAt <= this.clock()) return null;
    return found.user;
  }

  clear(): void {
    this.tickets.clear();
    this.issued.length = 0;
  }

  private sweep(): void {
    const now = this.clock();
    for (const [k, v] of this.tickets) if (v.expiresAt <= now) this.tickets.delete(k);
  }
}
