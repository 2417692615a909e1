// Command-line flags mirror the variables: PROBE_APP_URL is --app-url, and so on for every setting. A flag
// wins over the environment, which wins over .env, then the profile, then the default.

import { didYouMean } from '../config/suggest';
import { VARIABLES, type VariableSpec } from '../config/variables';

export interface ParsedArgs {
  command: string;
  /** Variables set by flags, by variable name. */
  vars: Record<string, string>;
  /** Flags that are not settings (`--save FILE` of `login`). */
  options: Record<string, string>;
  help: boolean;
  problems: string[];
}

/** Flags that are not a variable of their own. */
const SHORTHANDS: Record<string, [string, string]> = { '--skip-preflight': ['PROBE_PREFLIGHT', 'off'] };
const COMMAND_OPTIONS: Record<string, string[]> = {
  login: ['--save'],
  validate: ['--runs', '--require', '--expect-version', '--version-url', '--version-field', '--junit'],
  report: ['--since', '--last', '--baseline', '--title', '--out', '--target', '--journey'],
  history: ['--since', '--by', '--target', '--journey'],
};

export function flagName(variable: string): string {
  return `--${variable.replace(/^PROBE_/, '').toLowerCase().replace(/_/g, '-')}`;
}

const BY_FLAG = new Map<string, VariableSpec>(VARIABLES.map((v) => [flagName(v.name), v]));

export function parseArgs(argv: string[]): ParsedArgs {
  const [first, ...rest] = argv;
  const startsWithCommand = first !== undefined && !first.startsWith('-');
  const parsed: ParsedArgs = { command: startsWithCommand ? first : 'run', vars: {}, options: {}, help: false, problems: [] };
  const args = startsWithCommand ? rest : argv;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--help' || arg === '-h') {
      parsed.help = true;
      continue;
    }
    const eq = arg.indexOf('=');
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    const shorthand = SHORTHANDS[flag];
    if (shorthand) {
      parsed.vars[shorthand[0]] = shorthand[1];
      continue;
    }
    const variable = BY_FLAG.get(flag);
    const isOption = COMMAND_OPTIONS[parsed.command]?.includes(flag) ?? false;
    if (!variable && !isOption) {
      const known = [...BY_FLAG.keys(), ...Object.keys(SHORTHANDS), ...(COMMAND_OPTIONS[parsed.command] ?? [])];
      const hint = flag.startsWith('-') ? didYouMean(flag, known) : ' (options start with --)';
      parsed.problems.push(`unknown option ${flag}${hint}; see --help`);
      // Its value, if it was given one, is not a second mistake.
      if (flag.startsWith('--') && eq < 0 && args[i + 1] !== undefined && !args[i + 1]!.startsWith('-')) i++;
      continue;
    }
    const value = eq > 0 ? arg.slice(eq + 1) : args[++i];
    if (value === undefined || (eq < 0 && value.startsWith('--'))) {
      parsed.problems.push(`${flag} needs a value`);
      if (value?.startsWith('--')) i--;
      continue;
    }
    if (variable) parsed.vars[variable.name] = value;
    else parsed.options[flag] = value;
  }
  return parsed;
}

/** One line per option: the flag, its variable, its default, what it does. */
export function optionsHelp(): string {
  const lines = VARIABLES.map((v) => {
    const values = v.values ? ` (${v.values.join(' | ')})` : '';
    const def = v.default ? ` [default: ${v.default}]` : '';
    return `  ${flagName(v.name).padEnd(32)} ${v.name}${values}${def}\n  ${' '.repeat(32)} ${v.description}`;
  });
  lines.push(`  ${'--skip-preflight'.padEnd(32)} same as --preflight off`);
  return lines.join('\n');
}
