// The timeline as reports show it: a long run of alike rows (a flood of streamed thinking) keeps its first and
// last rows and one row that says how many were folded; every other row stays as it is. The builder folds
// as frames arrive, so a run of any length costs a few rows of memory.

import { expect, test } from '@playwright/test';
import { defaultContract } from '../../src/contract/contract';
import type { FrameRecord } from '../../src/contract/types';
import { FOLD_AFTER, TimelineBuilder } from '../../src/report/timeline';
import { buildTimeline } from './evidence-builders';

interface Row {
  ms: number;
  type: string;
  socket?: number;
}
const row = (ms: number, type: string, socket = 0): Row => ({ ms, type, socket });

/** The rows a builder makes of frames whose label is `type` (what the frame log would have said). */
function fold(rows: Row[]) {
  const builder = new TimelineBuilder();
  for (const r of rows) builder.add({ t: r.ms, socket: r.socket ?? 0, dir: 'in', kind: 'text', payload: `p${r.ms}` }, { label: r.type });
  return builder.rows([], 0);
}

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
  expect(fold(short).map((r) => [r.ms, r.type])).toEqual(short.map((r) => [r.ms, r.type]));
  const mixed = Array.from({ length: 40 }, (_, i) => row(i, 'heartbeat', i % 2));
  expect(fold(mixed).map((r) => [r.ms, r.socket])).toEqual(mixed.map((r) => [r.ms, r.socket]));
  expect(fold([])).toEqual([]);
  const justOver = Array.from({ length: FOLD_AFTER + 1 }, (_, i) => row(i, 'heartbeat'));
  expect(fold(justOver).map((r) => r.type)).toEqual(['heartbeat', 'heartbeat ×9 folded', 'heartbeat']);
});

test("another user's event inside a flood of the run's own keeps its row", () => {
  const thinking = (t: number, user: string): FrameRecord => ({ t, socket: 0, dir: 'in', kind: 'text', payload: JSON.stringify({ type: 'agent_thinking', run_id: 'r-1', user_id: user, data: { step: t } }) });
  const frames = Array.from({ length: 100 }, (_, i) => thinking(i, i === 50 ? 'someone-else' : 'me'));
  const rows = buildTimeline(frames, [], 0, defaultContract);
  expect(rows.map((r) => r.type)).toEqual([
    'agent_thinking',
    'agent_thinking ×48 folded',
    'agent_thinking',
    'agent_thinking',
    'agent_thinking',
    'agent_thinking ×47 folded',
    'agent_thinking',
  ]);
  expect(rows[3]!.payload).toContain('someone-else');
  expect(rows[3]!.ms).toBe(50);
});
