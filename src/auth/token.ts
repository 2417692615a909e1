// Reads the user id out of a JWT's payload. The token is not verified: the probe only needs to know which
// user it is, to tell its own events from another user's.

const USER_ID_CLAIMS = ['sub', 'user_id', 'userId', 'uid', 'id'];

export function userIdFromToken(token: string): string | null {
  const payload = token.split('.')[1];
  if (!payload) return null;
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
    for (const claim of USER_ID_CLAIMS) {
      const value = claims[claim];
      if (typeof value === 'string' && value !== '') return value;
      if (typeof value === 'number') return String(value);
    }
  } catch {
    // Not a JWT: the user id will be learned elsewhere, or stays unknown.
  }
  return null;
}
