// The browserless probe's recorder: the sockets it opens itself with undici's WebSocket, every frame both
// directions (its own sends are recorded as it sends them, the way the browser recorder sees `framesent`),
// open and close with code and reason, all on the run's monotonic clock and redacted before they are kept.
// It answers the server's `ping` frames with `pong`, as the chat page does, and lets the probe wait on the
// traffic: a condition re-checked on every change, bounded by a timer, never a polling loop.

import { WebSocket, type Dispatcher } from 'undici';
import type { Clock } from '../capture/clock';
import { describeClose } from '../contract/close-codes';
import type { FrameRecord, SocketRecord } from '../contract/types';
import type { Redactor } from '../redact';

type Listener = () => void;

export interface TrafficHooks {
  /** Called once per socket when it closes (before the listeners of `onChange`), while the recorder is not sealed. */
  onClose?: (record: SocketRecord) => void;
  /** Called with every frame recorded, both directions (the frame log), before the listeners of `onChange`. */
  onFrame?: (frame: FrameRecord) => void;
}

export class ProtocolTraffic {
  readonly frames: FrameRecord[] = [];
  readonly sockets: SocketRecord[] = [];
  private readonly live: WebSocket[] = [];
  private readonly listeners = new Set<Listener>();
  private sealed = false;

  constructor(
    private readonly clock: Clock,
    private readonly redactor: Redactor,
    private readonly hooks: TrafficHooks = {},
  ) {}

  /**
   * Opens a socket and starts recording it at once, so that no frame is missed. Returns its index (0, then
   * 1.. for reconnects). Throws only for what undici refuses synchronously (a malformed URL or subprotocol).
   */
  connect(url: string, protocols: string[], dispatcher: Dispatcher): number {
    if (this.sealed) throw new Error('the probe stopped recording; no socket is opened after that');
    const ws = new WebSocket(url, { protocols, dispatcher });
    ws.binaryType = 'arraybuffer';
    const record: SocketRecord = { socket: this.sockets.length, url: this.redactor.redact(url), openedAt: this.clock.now() };
    this.sockets.push(record);
    this.live.push(ws);

    let opened = false;
    ws.addEventListener('open', () => {
      opened = true;
      this.changed();
    });
    ws.addEventListener('message', (ev) => {
      if (this.sealed) return;
      const frame = this.incoming(record.socket, ev.data as unknown);
      this.record(frame.record);
      if (frame.text !== null && isPing(frame.text)) this.send(record.socket, JSON.stringify({ type: 'pong', timestamp: Date.now() }));
      this.changed();
    });
    ws.addEventListener('error', (ev) => {
      if (this.sealed) return;
      // undici does not say why an upgrade failed (the HTTP status is not exposed), only that it did.
      const said = [ev.message, (ev.error as { message?: unknown } | undefined)?.message].find((m) => typeof m === 'string' && m !== '');
      const message = typeof said === 'string' ? said : opened ? 'WebSocket error' : 'the connection failed or the upgrade was not answered 101';
      record.error ??= this.redactor.redact(message);
      this.changed();
    });
    ws.addEventListener('close', (ev) => {
      if (!this.sealed) {
        record.closedAt ??= this.clock.now();
        record.closeCode = ev.code;
        record.closeReason = this.redactor.redact(ev.reason ?? '');
        this.hooks.onClose?.(record);
      }
      // After the seal too: closeAll() waits on this.
      this.changed();
    });
    return record.socket;
  }

  isOpen(socket: number): boolean {
    return this.live[socket]?.readyState === WebSocket.OPEN;
  }

  isConnecting(socket: number): boolean {
    return this.live[socket]?.readyState === WebSocket.CONNECTING;
  }

  private record(frame: FrameRecord): void {
    this.frames.push(frame);
    this.hooks.onFrame?.(frame);
  }

  /** No socket is open or about to open. */
  allClosed(): boolean {
    return this.live.every((ws) => ws.readyState === WebSocket.CLOSED);
  }

  receivedOn(socket: number): number {
    return this.frames.filter((f) => f.socket === socket && f.dir === 'in').length;
  }

  /** `closed 1011 Internal Error "Service not ready"` / `open`, for messages. */
  describe(socket: number): string {
    const record = this.sockets[socket];
    if (record === undefined) return `socket ${socket} was never opened`;
    if (record.closeCode === undefined) return `socket ${socket} is ${this.isOpen(socket) ? 'open' : 'not open'}`;
    const error = record.error ? ` after error: ${record.error}` : '';
    return `socket ${socket} closed ${describeClose(record.closeCode, record.closeReason)}${error}`;
  }

  /** Sends a text frame and records it; false when the socket is not open. */
  send(socket: number, text: string): boolean {
    const ws = this.live[socket];
    if (this.sealed || ws === undefined || ws.readyState !== WebSocket.OPEN) return false;
    this.record({ t: this.clock.now(), socket, dir: 'out', kind: 'text', payload: this.redactor.redact(text) });
    ws.send(text);
    this.changed();
    return true;
  }

  /** Calls `listener` after every new frame or socket change; returns the unsubscribe function. */
  onChange(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Tells the waiters to look again (the probe's own state changed, e.g. a reconnect gave up). */
  changed(): void {
    for (const listener of [...this.listeners]) listener();
  }

  /**
   * Resolves true as soon as `condition()` holds (checked now and on every change), false when `timeoutMs`
   * ran out or `signal` aborted. A condition that throws is a bug of the probe: the wait rejects with it.
   */
  waitFor(condition: () => boolean, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    return new Promise((resolve, reject) => {
      let done = false;
      const finish = (settle: () => void) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        unsubscribe();
        signal?.removeEventListener('abort', onAbort);
        settle();
      };
      const check = () => {
        try {
          if (condition()) finish(() => resolve(true));
        } catch (err) {
          finish(() => reject(err));
        }
      };
      const onAbort = () => finish(() => resolve(false));
      const timer = setTimeout(() => finish(() => resolve(false)), Math.max(0, timeoutMs));
      const unsubscribe = this.onChange(check);
      signal?.addEventListener('abort', onAbort);
      if (signal?.aborted) onAbort();
      else check();
    });
  }

  /** Stops recording: what happens after (the probe's own closes) is not evidence. */
  seal(): void {
    this.sealed = true;
  }

  /** Closes every socket that is still open or opening; waits for them at most `timeoutMs`. */
  async closeAll(timeoutMs: number): Promise<void> {
    for (const ws of this.live) {
      if (ws.readyState === WebSocket.CLOSED || ws.readyState === WebSocket.CLOSING) continue;
      try {
        ws.close(1000, 'probe finished');
      } catch {
        // Already failing: its close event comes anyway, and the dispatcher is destroyed after this.
      }
    }
    await this.waitFor(() => this.allClosed(), timeoutMs);
  }

  private incoming(socket: number, data: unknown): { record: FrameRecord; text: string | null } {
    const t = this.clock.now();
    if (typeof data === 'string') return { record: { t, socket, dir: 'in', kind: 'text', payload: this.redactor.redact(data) }, text: data };
    const bytes = toBuffer(data);
    try {
      const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
      return { record: { t, socket, dir: 'in', kind: 'binary', encoding: 'utf8', payload: this.redactor.redact(text) }, text };
    } catch {
      return { record: { t, socket, dir: 'in', kind: 'binary', encoding: 'base64', payload: bytes.toString('base64') }, text: null };
    }
  }
}

function toBuffer(data: unknown): Buffer {
  if (data instanceof ArrayBuffer) return Buffer.from(data);
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(String(data), 'utf8');
}

/** The page answers `{"type":"ping"}` with a pong; so does the probe. */
function isPing(text: string): boolean {
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null && (parsed as { type?: unknown }).type === 'ping';
  } catch {
    return false;
  }
}
