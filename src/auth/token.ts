// Reads claims out of a JWT's payload. The token is not verified: the probe only needs to know which user
// it is (to tell its own events from another user's) and when it expires (to reuse a saved login).

const USER_ID_CLAIMS = ['sub', 'user_id', 'userId', 'uid', 'id'];

function claims(token: string): Record<string, unknown> | null {
  const payload = token.split('.')[1];
  if (!payload) return null;
  try {
    const parsed = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as unknown;
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : null;
  } catch {
    // Not a JWT: the user id will be learned elsewhere, or stays unknown.
    return null;
  }
}

export function userIdFromToken(token: string): string | null {
  const c = claims(token);
  for (const claim of USER_ID_CLAIMS) {
    const value = c?.[claim];
    if (typeof value === 'string' && value !== '') return value;
    if (typeof value === 'number') return String(value);
  }
  return null;
}

/** Who a login is for. */
export interface LoginUser {
  userId: string | null;
  /** The id is a claim of a token (`sub`), not the platform's answer: a hint the judge checks (Evidence.userIdIsHint). */
  userIdIsHint: boolean;
}

/** The user a token names: a hint only (an external identity provider's `sub` is not the platform's id). */
export function userOfToken(token: string | null): LoginUser {
  const userId = token === null ? null : userIdFromToken(token);
  return { userId, userIdIsHint: userId !== null };
}

/** The token's expiry (`exp`) in ms since the epoch; null when it has none or is not a JWT. */
export function tokenExpiresAt(token: string): number | null {
  const exp = claims(token)?.['exp'];
  return typeof exp === 'number' ? exp * 1000 : null;
}
