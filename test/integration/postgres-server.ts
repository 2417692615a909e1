// A real PostgreSQL server for the fleet's tests, no Docker: initdb in a temporary folder, pg_ctl on a free
// loopback port, stopped and removed at the end. PostgreSQL refuses to run as root, so under root its commands
// run as the `postgres` user (runuser). There is no skipping: a machine without PostgreSQL fails these tests
// with what to install (.ci/run installs it).

import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';

export interface PostgresServer {
  port: number;
  /**
   * A URL of a database of its own (a new one each call), with a password the server does not need. It holds
   * a team's own `public.runs` table (FOREIGN_RUNS), as a shared server would, unless `foreign` is false.
   */
  newDatabase(opts?: { foreign?: boolean }): Promise<string>;
  /** Stops the server (the database goes away); start() brings it back on the same port. */
  stop(): void;
  start(): void;
  close(): void;
}

/** Somebody else's `runs` table, in `public`, in every database newDatabase() makes: the probe must leave it as it is. */
export const FOREIGN_RUNS = `CREATE TABLE public.runs (id SERIAL PRIMARY KEY, job TEXT NOT NULL, took_s INTEGER);
  INSERT INTO public.runs (job, took_s) VALUES ('nightly-etl', 300), ('backup', 42);`;

/** public.runs as FOREIGN_RUNS leaves it: its columns and rows, to compare with what a test left. */
export const FOREIGN_RUNS_STATE = {
  columns: ['id', 'job', 'took_s'],
  rows: [{ id: 1, job: 'nightly-etl', took_s: 300 }, { id: 2, job: 'backup', took_s: 42 }],
};

/** public.runs of a database now: its columns and rows. */
export async function foreignRunsState(url: string): Promise<typeof FOREIGN_RUNS_STATE> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const columns = await client.query(`SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = 'runs' ORDER BY ordinal_position`);
    const rows = await client.query('SELECT * FROM public.runs ORDER BY id');
    return { columns: columns.rows.map((r: { column_name: string }) => r.column_name), rows: rows.rows as typeof FOREIGN_RUNS_STATE.rows };
  } finally {
    await client.end();
  }
}

/** The password put in every URL: trust authentication ignores it, and no output may ever show it. */
export const POSTGRES_TEST_PASSWORD = 'fleet-secret-pw-7319';

const START_LIMIT_S = 30;

/** The folder of PostgreSQL's server programs: on the PATH, else Debian's /usr/lib/postgresql/<v>/bin. */
function binDir(): string {
  const onPath = spawnSync('sh', ['-c', 'command -v initdb'], { encoding: 'utf8' }).stdout.trim();
  if (onPath) return join(onPath, '..');
  const debian = '/usr/lib/postgresql';
  const versions = existsSync(debian) ? readdirSync(debian).sort((a, b) => Number(b) - Number(a)) : [];
  for (const v of versions) if (existsSync(join(debian, v, 'bin', 'initdb'))) return join(debian, v, 'bin');
  throw new Error('PostgreSQL is not installed (no initdb on the PATH nor under /usr/lib/postgresql): apt-get install -y postgresql (bash .ci/run does)');
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export async function startPostgres(): Promise<PostgresServer> {
  const bin = binDir();
  const root = mkdtempSync(join(tmpdir(), 'golden-path-pg-'));
  const data = join(root, 'data');
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(root, uid, gid);
    chmodSync(root, 0o700);
  }
  const run = (program: string, args: string[]) => {
    const [command, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', join(bin, program), ...args]] : [join(bin, program), args];
    const done = spawnSync(command, argv, { encoding: 'utf8', cwd: root });
    if (done.status !== 0) throw new Error(`${program} ${args.join(' ')} failed (${done.status}): ${done.stderr || done.stdout}`);
  };
  run('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C']);
  const port = await freePort();
  const options = `-p ${port} -c listen_addresses=127.0.0.1 -k ${root} -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
  const start = () => run('pg_ctl', ['-D', data, '-o', options, '-l', join(root, 'server.log'), '-w', '-t', String(START_LIMIT_S), 'start']);
  const stop = () => run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
  start();
  let made = 0;
  return {
    port,
    async newDatabase({ foreign = true } = {}) {
      const name = `probe_${process.pid}_${++made}`;
      const admin = new Client({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres' });
      await admin.connect();
      try {
        await admin.query(`CREATE DATABASE ${name}`);
      } finally {
        await admin.end();
      }
      const url = `postgres://postgres:${POSTGRES_TEST_PASSWORD}@127.0.0.1:${port}/${name}`;
      if (foreign) {
        const client = new Client({ connectionString: url });
        await client.connect();
        await client.query(FOREIGN_RUNS).finally(() => client.end());
      }
      return url;
    },
    stop,
    start,
    close() {
      try {
        stop();
      } catch {
        // already stopped
      }
      rmSync(root, { recursive: true, force: true });
    },
  };
}
