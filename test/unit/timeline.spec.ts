// The timeline as reports show it: a long run of alike rows (a flood of streamed thinking) keeps its first and
// last rows and one row that says how many were folded; every other row stays as it is.

import { expect, test } from '@playwright/test';
import { FOLD_AFTER, fold, type TimelineRow } from '../../src/report/timeline';

const row = (ms: number, type: string, socket = 0): TimelineRow => ({ ms, dir: 'in', socket, type, payload: `p${ms}` });

test('a run of more than FOLD_AFTER alike rows keeps its first and last and says how many it folded', () => {
  const flood = Array.from({ length: 1000 }, (_, i) => row(100 + i, 'agent_thinking (data_agent)'));
  const rows = [row(0, 'agent_started (supervisor)'), ...flood, row(2000, 'tool_executing (data_agent)')];
  const out = fold(rows);
  expect(out.map((r) => r.type)).toEqual([
    'agent_started (supervisor)',
    'agent_thinking (data_agent)',
    'agent_thinking (data_agent) ×998 folded',
    'agent_thinking (data_agent)',
    'tool_executing (data_agent)',
  ]);
  expect(out[1]!.ms).toBe(100);
  expect(out[3]!.ms).toBe(1099);
  expect(out[2]!.payload).toBe('998 more alike rows, 101..1098 ms; frames.ndjson has every frame');
});

test('short runs, and alike rows on other sockets or of other types in between, are kept whole', () => {
  const short = Array.from({ length: FOLD_AFTER }, (_, i) => row(i, 'heartbeat'));
  expect(fold(short)).toEqual(short);
  const mixed = Array.from({ length: 40 }, (_, i) => row(i, 'heartbeat', i % 2));
  expect(fold(mixed)).toEqual(mixed);
  expect(fold([])).toEqual([]);
});
