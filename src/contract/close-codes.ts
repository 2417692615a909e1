// WebSocket close codes by name (RFC 6455 section 7.4 and the IANA registry), so that a failure says
// "1011 Internal Error" rather than a bare number.

const NAMES: Record<number, string> = {
  1000: 'Normal Closure',
  1001: 'Going Away',
  1002: 'Protocol Error',
  1003: 'Unsupported Data',
  1005: 'No Status Received',
  1006: 'Abnormal Closure',
  1007: 'Invalid Frame Payload Data',
  1008: 'Policy Violation',
  1009: 'Message Too Big',
  1010: 'Mandatory Extension',
  1011: 'Internal Error',
  1012: 'Service Restart',
  1013: 'Try Again Later',
  1014: 'Bad Gateway',
  1015: 'TLS Handshake',
};

export function closeCodeName(code: number): string {
  if (NAMES[code]) return NAMES[code];
  if (code >= 4000 && code <= 4999) return 'Application Code';
  if (code >= 3000 && code <= 3999) return 'Registered Code';
  return 'Unknown Code';
}

/** `1011 Internal Error "Service not ready"`: the code, its name, and the reason when there is one. */
export function describeClose(code: number, reason?: string): string {
  return `${code} ${closeCodeName(code)}${reason ? ` ${JSON.stringify(reason)}` : ''}`;
}

/** Closes after which a client reconnects and the run goes on: Going Away, Service Restart. Not faults. */
export const RECONNECT_CLOSE_CODES: ReadonlySet<number> = new Set([1001, 1012]);
