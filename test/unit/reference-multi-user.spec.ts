// The reference staging with several users at once, over the wire and without a browser: numbered form-login
// users, and the faults that only show when users send together (cross-talk, a shared run id, one user's
// frames twice, finals lost when runs finish together). Each session logs in, opens its agent socket with a
// ticket as the chat page does, and all of them send in the same tick. Every wait is on frames, bounded.

import { expect, test } from '@playwright/test';
import { WebSocket } from 'ws';
import { REFERENCE_CREDENTIALS, referenceUsername, startReference, type ReferenceServer } from '../../reference/server';

type Frame = Record<string, unknown>;

const WAIT_MS = 10_000;
const AGENT_EVENTS = ['agent_started', 'agent_thinking', 'tool_executing', 'tool_completed', 'agent_completed'];
const MULTI_USER_FAULTS = ['cross-user-delivery', 'shared-run-id', 'duplicate-for-one-user', 'final-dropped-on-collision'] as const;

/** Whatever arrived, on any session: waits re-check their predicate on each frame. */
class Watch {
  private readonly checks = new Set<() => void>();

  changed(): void {
    for (const check of [...this.checks]) check();
  }

  /** Resolves once `holds()` is true (now or after a later frame); rejects after WAIT_MS naming `what` and `state()`. */
  until(what: string, holds: () => boolean, state: () => string = () => ''): Promise<void> {
    return new Promise((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        this.checks.delete(check);
      };
      const check = () => {
        if (!holds()) return;
        done();
        resolve();
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`Timed out after ${WAIT_MS} ms waiting for ${what}${state() ? `; so far: ${state()}` : ''}`));
      }, WAIT_MS);
      this.checks.add(check);
      check();
    });
  }
}

interface Received {
  raw: string;
  frame: Frame;
}

interface Session {
  email: string;
  userId: string;
  threadId: string;
  ws: WebSocket;
  received: Received[];
}

async function call(url: string, init: { token?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<{ status: number; body: Frame }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...(init.token ? { Authorization: `Bearer ${init.token}` } : {}), ...init.headers },
    body: JSON.stringify(init.body ?? {}),
  });
  return { status: res.status, body: (await res.json()) as Frame };
}

async function formLogin(server: ReferenceServer, username: string, password: string = REFERENCE_CREDENTIALS.password) {
  return call(`${server.authUrl}/auth/login`, { body: { username, password } });
}

/** Logs `email` in with the E2E bypass, makes a thread, and opens the agent socket with a ticket, as the chat page does. */
async function openSession(server: ReferenceServer, email: string, watch: Watch): Promise<Session> {
  const login = await call(`${server.authUrl}/auth/e2e/test-auth`, { body: { email }, headers: { 'X-E2E-Bypass-Key': REFERENCE_CREDENTIALS.bypassKey } });
  expect(login.status, `bypass login of ${email}`).toBe(200);
  const token = String(login.body.access_token);
  const userId = String((login.body.user as Frame).id);
  const thread = await call(`${server.apiUrl}/api/threads`, { token });
  const ticket = await call(`${server.apiUrl}/api/websocket/ticket`, { token });
  const ws = new WebSocket(`${server.apiUrl.replace(/^http/, 'ws')}/ws?ticket=${encodeURIComponent(String(ticket.body.ticket))}`);
  const session: Session = { email, userId, threadId: String(thread.body.thread_id), ws, received: [] };
  ws.on('message', (data: Buffer) => {
    const raw = data.toString('utf8');
    let frame: Frame = {};
    try {
      frame = JSON.parse(raw) as Frame;
    } catch {
      // not JSON: kept as raw only
    }
    session.received.push({ raw, frame });
    watch.changed();
  });
  ws.on('error', () => undefined);
  await watch.until(`connection_established on ${email}'s socket`, () => session.received.some((r) => r.frame.type === 'connection_established'));
  return session;
}

const agentFrames = (s: Session): Frame[] => s.received.map((r) => r.frame).filter((f) => AGENT_EVENTS.includes(String(f.type)));
/** Frames of this session's own thread (a routing bug may bring others). */
const own = (s: Session): Frame[] => s.received.map((r) => r.frame).filter((f) => f.thread_id === s.threadId);
const isFinal = (f: Frame): boolean => f.type === 'agent_completed' && !('agent_name' in f);
const finalsOf = (s: Session): number => own(s).filter(isFinal).length;
const summary = (sessions: Session[]) => () => sessions.map((s) => `${s.email}: ${s.received.map((r) => r.frame.type ?? '?').join(',')}`).join(' | ');

/**
 * Sends from every session in the same tick, waits until each has the answer of its own thread (the last
 * frame of a run), then pings each socket and waits for the pong, so every frame sent before has arrived.
 */
async function sendTogether(sessions: Session[], watch: Watch): Promise<void> {
  for (const s of sessions) s.ws.send(JSON.stringify({ type: 'start_agent', payload: { user_request: `How is the usage of ${s.email}?`, thread_id: s.threadId } }));
  await watch.until(
    'every user to get the answer of its own thread',
    () => sessions.every((s) => own(s).some((f) => f.type === 'agent_response')),
    summary(sessions),
  );
  const pongs = sessions.map((s) => s.received.filter((r) => r.frame.type === 'pong').length);
  for (const s of sessions) s.ws.send(JSON.stringify({ type: 'ping' }));
  await watch.until(
    'a pong on every socket after the answers',
    () => sessions.every((s, i) => s.received.filter((r) => r.frame.type === 'pong').length > (pongs[i] ?? 0)),
    summary(sessions),
  );
}

/** A reference at speed 1 with `fault`, and `count` sessions (bypass users) connected; everything closed after `body`. */
async function withSessions(fault: string, count: number, body: (sessions: Session[], watch: Watch) => Promise<void>): Promise<void> {
  const server = await startReference({ speed: 1 });
  const sessions: Session[] = [];
  try {
    server.setFault(fault);
    const watch = new Watch();
    for (let n = 1; n <= count; n++) sessions.push(await openSession(server, referenceUsername(n), watch));
    await body(sessions, watch);
  } finally {
    for (const s of sessions) s.ws.terminate();
    await server.close();
  }
}

/** Each user got its own healthy run: the five event types, all its own, one run id of its own, the final once. */
function expectHealthy(sessions: Session[]): void {
  const runIds = new Set<string>();
  for (const s of sessions) {
    const frames = agentFrames(s);
    expect(new Set(frames.map((f) => f.type)), `${s.email}'s event types`).toEqual(new Set(AGENT_EVENTS));
    expect(frames.filter((f) => f.user_id !== s.userId || f.thread_id !== s.threadId), `frames on ${s.email}'s socket that are not its own`).toEqual([]);
    const ids = new Set(frames.map((f) => String(f.run_id)));
    expect(ids.size, `${s.email}'s run ids`).toBe(1);
    runIds.add([...ids][0] as string);
    expect(finalsOf(s), `${s.email}'s final agent_completed`).toBe(1);
    expect(new Set(s.received.map((r) => r.raw)).size, `${s.email} got no frame twice`).toBe(s.received.length);
  }
  expect(runIds.size, 'distinct run ids across users').toBe(sessions.length);
}

test('form login: probe+N@reference.test are users of their own, with the reference password', async () => {
  expect(referenceUsername(2)).toBe('probe+2@reference.test');
  expect(() => referenceUsername(0)).toThrow(RangeError);
  expect(() => referenceUsername(1000)).toThrow(RangeError);
  const server = await startReference({ speed: 0 });
  try {
    const base = await formLogin(server, REFERENCE_CREDENTIALS.username);
    const second = await formLogin(server, referenceUsername(2));
    const last = await formLogin(server, ' PROBE+999@Reference.Test ');
    expect([base.status, second.status, last.status]).toEqual([200, 200, 200]);
    const ids = [base, second, last].map((r) => (r.body.user as Frame).id);
    expect(new Set(ids).size, `user ids ${ids.join(', ')}`).toBe(3);
    expect((second.body.user as Frame).email).toBe('probe+2@reference.test');
    for (const username of ['probe+0@reference.test', 'probe+1000@reference.test', 'probe+02@reference.test', 'probe+x@reference.test', 'probe+2@other.test']) {
      expect((await formLogin(server, username)).status, username).toBe(401);
    }
    expect((await formLogin(server, referenceUsername(2), 'wrong-password')).status).toBe(401);
  } finally {
    await server.close();
  }
});

test('bypass login: a user of its own per email', async () => {
  const server = await startReference({ speed: 0 });
  try {
    const watch = new Watch();
    const sessions = [await openSession(server, 'alice@reference.test', watch), await openSession(server, 'bob@reference.test', watch)];
    expect(sessions[0]?.userId).not.toBe(sessions[1]?.userId);
    for (const s of sessions) s.ws.terminate();
  } finally {
    await server.close();
  }
});

test('healthy: three users sending together each get their own run, once', async () => {
  await withSessions('healthy', 3, async (sessions, watch) => {
    await sendTogether(sessions, watch);
    expectHealthy(sessions);
  });
});

test('cross-user-delivery: a user gets frames of another user\'s run', async () => {
  await withSessions('cross-user-delivery', 3, async (sessions, watch) => {
    await sendTogether(sessions, watch);
    const runOf = new Map(sessions.map((s) => [s.userId, own(s).find((f) => f.type === 'agent_started')?.run_id]));
    const foreign = sessions.flatMap((s) =>
      agentFrames(s)
        .filter((f) => f.user_id !== s.userId && runOf.has(String(f.user_id)) && f.run_id === runOf.get(String(f.user_id)))
        .map((f) => `${s.email} got ${String(f.type)} of ${String(f.user_id)}`),
    );
    expect(foreign.length, 'frames of another user\'s run').toBeGreaterThan(0);
    // Every user's own run still reaches it whole.
    for (const s of sessions) expect(own(s).filter(isFinal).length, `${s.email}'s own final`).toBe(1);
  });
});

test('shared-run-id: users sending together carry the same run_id', async () => {
  await withSessions('shared-run-id', 3, async (sessions, watch) => {
    await sendTogether(sessions, watch);
    const started = sessions.map((s) => String(agentFrames(s).find((f) => f.type === 'agent_started')?.run_id));
    expect(new Set(started).size, `run ids of agent_started: ${started.join(', ')}`).toBeLessThan(sessions.length);
    // Otherwise healthy: each user only its own frames, the final once.
    for (const s of sessions) {
      expect(agentFrames(s).filter((f) => f.user_id !== s.userId), `frames of others on ${s.email}'s socket`).toEqual([]);
      expect(finalsOf(s), `${s.email}'s final`).toBe(1);
    }
  });
});

test('duplicate-for-one-user: exactly one user gets every agent event twice', async () => {
  await withSessions('duplicate-for-one-user', 3, async (sessions, watch) => {
    await sendTogether(sessions, watch);
    const copies = (s: Session) => {
      const n = new Map<string, number>();
      for (const r of s.received) if (AGENT_EVENTS.includes(String(r.frame.type))) n.set(r.raw, (n.get(r.raw) ?? 0) + 1);
      return [...n.values()];
    };
    const twice = sessions.filter((s) => copies(s).every((c) => c === 2));
    const once = sessions.filter((s) => copies(s).every((c) => c === 1));
    expect(twice.map((s) => s.email), 'users with every agent event twice').toHaveLength(1);
    expect(once, 'users with every agent event once').toHaveLength(sessions.length - 1);
    expect(copies(twice[0] as Session).length, 'distinct agent events of the doubled user').toBe(8);
  });
});

test('final-dropped-on-collision: runs finishing together lose their final agent_completed, the first keeps it', async () => {
  await withSessions('final-dropped-on-collision', 3, async (sessions, watch) => {
    await sendTogether(sessions, watch);
    const finals = sessions.map(finalsOf);
    expect(finals.filter((n) => n === 1).length, `finals per user: ${finals.join(', ')}`).toBeGreaterThanOrEqual(1);
    expect(finals.filter((n) => n === 0).length, `finals per user: ${finals.join(', ')}`).toBeGreaterThanOrEqual(1);
    // The rest of each run still comes, the answer included.
    for (const s of sessions) expect(own(s).filter((f) => f.type === 'agent_completed').length, `${s.email}'s sub-agent agent_completed`).toBeGreaterThanOrEqual(1);
  });
});

for (const fault of MULTI_USER_FAULTS) {
  test(`${fault}: one user alone is healthy`, async () => {
    await withSessions(fault, 1, async (sessions, watch) => {
      await sendTogether(sessions, watch);
      expectHealthy(sessions);
    });
  });
}
