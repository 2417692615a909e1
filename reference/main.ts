// CLI entry of the reference staging: `tsx reference/main.ts [flags]`. Starts the server, prints its URLs
// and the reference-only credentials, and stops cleanly on SIGINT/SIGTERM. The project CLI calls
// runReferenceCli() for its `reference` command.
import { FAULT_NAMES, isFaultName } from './faults';
import { PLAIN_PATHS, REFERENCE_CREDENTIALS, REFERENCE_FRONTENDS, REFERENCE_LAYOUTS, startReference, type ReferenceOptions } from './server';
import { MAX_REFERENCE_USERS, referenceUsername } from './tokens';

export const REFERENCE_USAGE = `Usage: reference [--layout single|netra] [--frontend reference|plain] [--port N] [--speed X] [--jitter X] [--fault NAME] [--delay-ms N] [--send-over ws|rest] [--answer-in agent_response|final_report] [--token-ttl S]

Starts the embedded reference staging on 127.0.0.1 and runs until Ctrl+C.
  --layout L        single: app, API and auth on one port (default); netra: three ports, app / API / auth,
                    each answering only its own paths, CORS from the app's origin only, and playing the
                    platform's own emitter and frontend (completions named, the answer from final_report
                    shown in the message list)
  --frontend F      reference: the platform-like pages (/login, /chat, test ids; default); plain: another
                    chat app on the same API and socket (${PLAIN_PATHS.signin}, ${PLAIN_PATHS.chat}, no test ids,
                    Enter to send; docs/generic.md probes it)
  --port N          port to listen on (default 0: any free port); netra: app on N, API on N+1, auth on N+2
  --speed X         delay multiplier, >= 0: 1 = realistic (~1.5 s a run), 0 = no delays (default 1)
  --jitter X        0..1: each pause between events times a random factor in [1-X, 1+X] (default 0)
  --fault NAME      fault at start and after a reset (default healthy); one of:
                    ${FAULT_NAMES.join(', ')}
  --delay-ms N      delay of the faults that take one (slow-first-event), in ms
  --send-over M     how the chat page sends the message: ws or rest (default ws)
  --answer-in F     where the chat page reads the answer: agent_response or final_report (default agent_response;
                    final_report in the netra layout)
  --token-ttl S     lifetime of issued access tokens in seconds, an integer >= 1 (default 900); an expired
                    token gets 401 from every API endpoint and sends the chat page back to /login
  --help            this text`;

export interface CliIo {
  out(line: string): void;
  err(line: string): void;
}

const defaultIo: CliIo = { out: (l) => process.stdout.write(l + '\n'), err: (l) => process.stderr.write(l + '\n') };

export class UsageError extends Error {}

/** Parses the flags; throws UsageError naming the flag and the allowed values. */
export function parseReferenceArgs(argv: string[]): ReferenceOptions | 'help' {
  const opts: ReferenceOptions = {};
  const problems: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--help' || arg === '-h') return 'help';
    const eq = arg.indexOf('=');
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    const takeValue = (): string | undefined => (eq > 0 ? arg.slice(eq + 1) : argv[++i]);
    const number = (v: string | undefined, min: number, integer: boolean): number | undefined => {
      const n = v === undefined || v.trim() === '' ? NaN : Number(v);
      if (Number.isFinite(n) && n >= min && (!integer || Number.isInteger(n))) return n;
      problems.push(`${flag} must be ${integer ? 'an integer' : 'a number'} >= ${min} (got ${v === undefined ? 'nothing' : JSON.stringify(v)})`);
      return undefined;
    };
    const oneOf = <T extends string>(v: string | undefined, allowed: readonly T[]): T | undefined => {
      if (v !== undefined && (allowed as readonly string[]).includes(v)) return v as T;
      problems.push(`${flag} must be one of ${allowed.join(', ')} (got ${v === undefined ? 'nothing' : JSON.stringify(v)})`);
      return undefined;
    };
    switch (flag) {
      case '--port': {
        const port = number(takeValue(), 0, true);
        if (port !== undefined && port > 65535) problems.push(`--port must be at most 65535 (got ${port})`);
        else opts.port = port;
        break;
      }
      case '--speed':
        opts.speed = number(takeValue(), 0, false);
        break;
      case '--jitter': {
        const jitter = number(takeValue(), 0, false);
        if (jitter !== undefined && jitter > 1) problems.push(`--jitter must be at most 1 (got ${jitter})`);
        else opts.jitter = jitter;
        break;
      }
      case '--delay-ms':
        opts.delayMs = number(takeValue(), 0, false);
        break;
      case '--fault': {
        const v = takeValue();
        if (v !== undefined && isFaultName(v)) opts.fault = v;
        else problems.push(`--fault must be one of ${FAULT_NAMES.join(', ')} (got ${v === undefined ? 'nothing' : JSON.stringify(v)})`);
        break;
      }
      case '--send-over':
        opts.sendOver = oneOf(takeValue(), ['ws', 'rest'] as const);
        break;
      case '--answer-in':
        opts.answerIn = oneOf(takeValue(), ['agent_response', 'final_report'] as const);
        break;
      case '--frontend':
        opts.frontend = oneOf(takeValue(), REFERENCE_FRONTENDS);
        break;
      case '--layout':
        opts.layout = oneOf(takeValue(), REFERENCE_LAYOUTS);
        break;
      case '--token-ttl':
        opts.tokenTtlSec = number(takeValue(), 1, true);
        break;
      default:
        problems.push(`unknown flag ${JSON.stringify(arg)}`);
    }
  }
  if (opts.layout === 'netra' && opts.port !== undefined && opts.port > 65533) {
    problems.push(`--port must be at most 65533 with --layout netra, which takes N, N+1 and N+2 (got ${opts.port})`);
  }
  if (problems.length) throw new UsageError(problems.join('\n'));
  // Drop keys a bad value left undefined (only reached when there were no problems, so none are).
  return Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined)) as ReferenceOptions;
}

/**
 * Runs the reference staging until SIGINT/SIGTERM. Resolves with the exit code: 0 after a clean stop,
 * 2 for bad flags, 1 when the server could not start (port in use, ...).
 */
export async function runReferenceCli(argv: string[], io: CliIo = defaultIo): Promise<number> {
  let opts: ReferenceOptions | 'help';
  try {
    opts = parseReferenceArgs(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    for (const line of e.message.split('\n')) io.err(`reference: ${line}`);
    io.err(REFERENCE_USAGE);
    return 2;
  }
  if (opts === 'help') {
    io.out(REFERENCE_USAGE);
    return 0;
  }

  let server;
  try {
    server = await startReference(opts);
  } catch (e) {
    io.err(`reference: could not start: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  }
  io.out(`Reference staging running (layout ${server.layout}, frontend ${server.frontend}, fault ${opts.fault ?? 'healthy'}, token ttl ${opts.tokenTtlSec ?? 900} s, speed ${opts.speed ?? 1}, jitter ${opts.jitter ?? 0}, send over ${opts.sendOver ?? 'ws'}, answer in ${opts.answerIn ?? (server.layout === 'netra' ? 'final_report' : 'agent_response')})`);
  // Lines to paste as they are, into a shell or a .env file (dotenv reads `export NAME=value` too).
  io.out('# For the probe (valid only against this reference server), paste into a shell or .env:');
  if (server.layout === 'netra') io.out('export PROBE_PROFILE=netra');
  io.out(`export PROBE_APP_URL=${server.appUrl}`);
  io.out(`export PROBE_API_URL=${server.apiUrl}`);
  io.out(`export PROBE_AUTH_URL=${server.authUrl}`);
  io.out(`export PROBE_USERNAME=${REFERENCE_CREDENTIALS.username}`);
  io.out(`export PROBE_PASSWORD=${REFERENCE_CREDENTIALS.password}`);
  io.out(`export PROBE_E2E_BYPASS_KEY=${REFERENCE_CREDENTIALS.bypassKey}`);
  if (server.frontend === 'plain') io.out(`# Sign-in page ${PLAIN_PATHS.signin}, chat ${PLAIN_PATHS.chat}: probe it as docs/generic.md says`);
  io.out(`# More users, same password: ${referenceUsername(1)} to ${referenceUsername(MAX_REFERENCE_USERS)}`);
  io.out(`# The fault switch: ${server.controlUrl} (POST /fault {"fault": NAME}, GET /faults, POST /reset)`);
  io.out('Press Ctrl+C to stop.');

  const running = server;
  await new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      io.out(`Received ${signal}, stopping.`);
      running.close().then(resolve, resolve);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  return 0;
}

if (require.main === module) {
  runReferenceCli(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`reference: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exitCode = 1;
    },
  );
}
