// Secrets must never reach an artifact. Everything the probe writes (frames, reports, console, step errors)
// goes through one Redactor, which knows two things: the secret values of this run (password, bypass key,
// tokens and tickets as they are learned) and the shapes secrets take on the wire (Bearer headers, JWTs,
// ticket/token query parameters, `jwt.<token>` subprotocols, token fields in JSON).

export const REDACTED = '[REDACTED]';

const SECRET_SHAPES: RegExp[] = [
  // JWT-looking strings: three base64url parts, the first a JSON header.
  /eyJ[\w-]{4,}\.[\w-]{4,}\.[\w-]*/g,
  // Authorization values.
  /\b(Bearer|Basic)\s+[\w.~+/=-]+/gi,
  // Query parameters that carry credentials.
  /([?&](?:ticket|token|access_token|refresh_token|id_token|jwt|key|api_key|password|code)=)[^&#\s"']+/gi,
  // The WebSocket subprotocol form of a token.
  /\bjwt\.[\w.-]{8,}/g,
  // Credentials inside a URL's authority: scheme://user:password@host.
  /(\/\/[^/@\s:]+:)[^/@\s]+(@)/g,
  // JSON fields that carry credentials.
  /("(?:access_token|refresh_token|id_token|token|ticket|password|jwt_token|api_key|bypass_key)"\s*:\s*")[^"]*(")/gi,
];

export class Redactor {
  private readonly secrets = new Set<string>();

  constructor(secrets: Array<string | undefined> = []) {
    for (const s of secrets) this.add(s);
  }

  /** Learn a secret value; very short values are ignored because they would redact ordinary text. */
  add(secret: string | undefined): void {
    if (!secret || secret.length < 4) return;
    this.secrets.add(secret);
    // The same secret as it appears inside a JSON string, where quotes and backslashes are escaped.
    this.secrets.add(JSON.stringify(secret).slice(1, -1));
    // And as it appears in a URL.
    this.secrets.add(encodeURIComponent(secret));
  }

  redact(text: string): string {
    let out = text;
    // Longest first, so that a secret containing another is replaced whole.
    for (const s of [...this.secrets].sort((a, b) => b.length - a.length)) out = out.split(s).join(REDACTED);
    for (const shape of SECRET_SHAPES) {
      out = out.replace(shape, (...m: string[]) => {
        const groups = m.slice(1, -2).filter((g) => typeof g === 'string');
        // Keep the recognisable prefix (`?ticket=`, `Bearer`, `"token": "`) so the reader sees what was removed.
        if (groups.length >= 2) return `${groups[0]}${REDACTED}${groups[1]}`;
        if (groups.length === 1) return /^(Bearer|Basic)$/i.test(groups[0]!) ? `${groups[0]} ${REDACTED}` : `${groups[0]}${REDACTED}`;
        return REDACTED;
      });
    }
    return out;
  }

  /** Redacts every string inside a JSON-able value. */
  redactValue<T>(value: T): T {
    return JSON.parse(this.redact(JSON.stringify(value))) as T;
  }
}
