// Durations as people type them on a command line (`--since 24h`, `--every 5m`, `1h30m`, `500ms`) and as
// reports print them. parseDuration(formatDuration(ms)) === ms for every whole, non-negative ms.

const UNITS = [
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1_000],
  ['ms', 1],
] as const;

const UNIT_MS: ReadonlyMap<string, number> = new Map(UNITS);
const UNIT_RANK: ReadonlyMap<string, number> = new Map(UNITS.map(([unit], i) => [unit, i]));

export const DURATION_FORMS =
  'a number and a unit (ms, s, m, h, d), units largest first: 30s, 5m, 24h, 7d, 1h30m, 500ms';

/** `30s`, `5m`, `24h`, `7d`, `1h30m`, `500ms`, `1.5h` -> milliseconds (whole). Throws naming the text and the forms. */
export function parseDuration(text: string): number {
  const fail = (why: string): never => {
    throw new Error(`invalid duration ${JSON.stringify(text)}: ${why}; use ${DURATION_FORMS}`);
  };
  if (typeof text !== 'string') return fail('not a string');
  const source = text.trim();
  if (source === '') return fail('empty');
  const part = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/y;
  let total = 0;
  let at = 0;
  let lastRank = -1;
  while (at < source.length) {
    part.lastIndex = at;
    const m = part.exec(source);
    if (m === null)
      return fail(/^\d+(\.\d+)?$/.test(source) ? 'a unit is missing' : `unexpected "${source.slice(at)}"`);
    const [whole, amount = '', unit = ''] = m;
    const rank = UNIT_RANK.get(unit) ?? -1;
    if (rank <= lastRank) return fail(`"${unit}" is repeated or out of order`);
    lastRank = rank;
    total += Number(amount) * (UNIT_MS.get(unit) ?? 0);
    at += whole.length;
  }
  if (!Number.isFinite(total)) return fail('too large');
  return Math.round(total);
}

/** Milliseconds -> the short form parseDuration reads: `1h30m`, `500ms`, `7d`, `0ms`; negative values get a `-`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  let rest = Math.round(Math.abs(ms));
  if (rest === 0) return '0ms';
  const parts: string[] = [];
  for (const [unit, size] of UNITS) {
    const n = Math.floor(rest / size);
    if (n > 0) parts.push(`${n}${unit}`);
    rest -= n * size;
  }
  return (ms < 0 ? '-' : '') + parts.join('');
}
