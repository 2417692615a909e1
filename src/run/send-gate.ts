// The moment several sessions of one run send together (PROBE_USERS): their runs overlap on the staging.

/**
 * Where the sessions meet before they send: it opens when every session has arrived or dropped out (its
 * login failed, say), or when its bound runs out, so that no session waits forever for a broken one.
 */
export class SendGate {
  /** The sessions counted: each once, whether it arrived or left. */
  private readonly counted = new Set<unknown>();
  private open!: () => void;
  private readonly opened = new Promise<void>((resolve) => (this.open = resolve));

  constructor(private readonly parties: number) {
    if (parties <= 1) this.open();
  }

  /** `party` is here: resolves true when all sessions are, false when the bound ran out first. */
  async arrive(party: unknown, timeoutMs: number): Promise<boolean> {
    this.count(party);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
    try {
      return await Promise.race([this.opened.then(() => true as const), timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** `party` will not send (it failed before the send), or did already: the others need not wait for it. */
  leave(party: unknown): void {
    this.count(party);
  }

  private count(party: unknown): void {
    this.counted.add(party);
    if (this.counted.size >= this.parties) this.open();
  }
}
