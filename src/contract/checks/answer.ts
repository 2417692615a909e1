// The final answer: present in the frames, shown in the page, the same in both, and not a canned stub.
import type { Contract } from '../contract';
import { excerpt } from '../fields';
import { check, describeEvent, describeFrames } from './check';
import type { Run } from '../attribution';
import type { Check } from '../types';

/** The answer the UI shows: the last answer event of the first kind that has one, else the final agent_completed's. */
export function framesAnswer(run: Run, contract: Contract): string | null {
  for (const spec of contract.answerEvents) {
    const carrying = run.events.filter((e) => e.type === spec.type && e.answer !== undefined);
    const last = carrying[carrying.length - 1];
    if (last?.answer !== undefined) return last.answer;
  }
  return run.final?.answer ?? null;
}

export function finalAnswerCheck(answer: string | null, contract: Contract): Check {
  const sources = [...contract.answerEvents.map((a) => a.type), `the final ${contract.events.completed}`].join(', else ');
  const expected = `a non-empty answer in the frames (${sources})`;
  if (answer === null) return check('final-answer', 'fail', 'missing-event', expected, 'no answer in the frames');
  return check('final-answer', 'pass', 'missing-event', expected, `${answer.length} characters`);
}

export function answerRenderedCheck(page: string | null): Check {
  const expected = 'the answer rendered in the page';
  if (page === null) return check('answer-rendered', 'fail', 'ui-render', expected, 'nothing rendered');
  if (page.trim() === '') return check('answer-rendered', 'fail', 'ui-render', expected, 'an empty answer rendered');
  return check('answer-rendered', 'pass', 'ui-render', expected, `${collapse(page).length} characters rendered`);
}

export function answerAgreesCheck(frames: string | null, page: string | null): Check {
  // One way only: a page showing a fragment of the answer ("Reference") must not pass for the whole answer.
  const expected = 'the page text contains the whole frames answer (whitespace and markdown marks ignored)';
  // A missing side is reported by its own check; its class keeps a timeout from passing as a render bug.
  if (frames === null) return check('answer-agrees', 'fail', 'missing-event', expected, 'no answer in the frames to compare');
  if (page === null || page.trim() === '') return check('answer-agrees', 'fail', 'ui-render', expected, 'no answer in the page to compare');
  const f = plainText(frames);
  const p = plainText(page);
  if (p.includes(f)) return check('answer-agrees', 'pass', 'ui-render', expected, 'page and frames agree');
  return check('answer-agrees', 'fail', 'ui-render', expected, `page shows ${excerpt(p)}, frames say ${excerpt(f)}`);
}

/** Only when PROBE_EXPECT_ANSWER is set: a real agent's answer matches it, a canned one does not. */
export function answerExpectedCheck(answer: string | null, pattern: string): Check {
  const expected = `the answer matches /${pattern}/`;
  let regex: RegExp;
  try {
    regex = new RegExp(pattern);
  } catch (error) {
    return check('answer-expected', 'fail', 'config', expected, `not a valid regular expression: ${(error as Error).message}`);
  }
  if (answer === null) return check('answer-expected', 'fail', 'missing-event', expected, 'no answer in the frames');
  if (regex.test(answer)) return check('answer-expected', 'pass', 'fallback-stub', expected, 'matches');
  return check('answer-expected', 'fail', 'fallback-stub', expected, `no match in ${excerpt(answer)}`);
}

export function noFallbackCheck(run: Run, page: string | null, contract: Contract): Check {
  const { toolNames, answerPrefixes } = contract.fallback;
  const expected = `no canned fallback (tools ${toolNames.join(', ')}; answers starting ${answerPrefixes.map((p) => JSON.stringify(p)).join(', ')})`;
  const cannedTools = run.events.filter((e) => e.toolName !== undefined && toolNames.includes(e.toolName));
  const cannedEvents = run.events.filter((e) => e.answer !== undefined && isCanned(e.answer, answerPrefixes));
  const seen: string[] = [];
  if (cannedTools.length > 0) seen.push(`canned tool ${cannedTools.map(describeEvent).join(', ')}`);
  const cannedAnswer = cannedEvents[0]?.answer;
  if (cannedAnswer !== undefined) seen.push(`canned answer ${excerpt(cannedAnswer)}`);
  else if (page !== null && isCanned(page, answerPrefixes)) seen.push(`canned answer in the page ${excerpt(page)}`);
  const where = [...cannedTools, ...cannedEvents];
  if (seen.length > 0) return check('no-fallback', 'fail', 'fallback-stub', expected, seen.join('; '), where.length > 0 ? describeFrames(where) : undefined);
  return check('no-fallback', 'pass', 'fallback-stub', expected, 'no canned tool or answer');
}

function isCanned(text: string, prefixes: string[]): boolean {
  const trimmed = text.trim();
  return prefixes.some((prefix) => trimmed.startsWith(prefix));
}

export function collapse(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** The text a reader sees: the page renders markdown (`**bold**`, `# title`, `` `code` ``) without its marks. */
function plainText(text: string): string {
  return collapse(text.replace(/[*_`#>~]/g, ' '));
}
