// The moment several sessions of one run send together (PROBE_USERS): their runs overlap on the staging.

/**
 * Where the sessions meet before they send: it opens when every session has arrived or dropped out (its
 * login failed, say), or when its bound runs out, so that no session waits forever for a broken one.
 */
export class SendGate {
  private waiting = 0;
  private open!: () => void;
  private readonly opened = new Promise<void>((resolve) => (this.open = resolve));

  constructor(private readonly parties: number) {
    if (parties <= 1) this.open();
  }

  /** Resolves true when all sessions are here, false when the bound ran out first. */
  async arrive(timeoutMs: number): Promise<boolean> {
    this.count();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
    try {
      return await Promise.race([this.opened.then(() => true as const), timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** A session that will not send (it failed before the send): the others need not wait for it. */
  leave(): void {
    this.count();
  }

  private count(): void {
    if (++this.waiting >= this.parties) this.open();
  }
}
