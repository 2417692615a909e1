// The final answer: present in the frames, visible in the page after the send, and not a canned stub.
// The page may show any one of the run's answers (an agent_response, a final_report's executive summary, the
// final agent_completed's result), rendered from markdown; what counts is the text a person can see.
import type { Contract } from '../contract';
import { excerpt } from '../fields';
import { check, describeEvent, describeFrames } from './check';
import type { Run } from '../attribution';
import type { Check, PageText } from '../types';
import { markdownToText } from './markdown';

/** One answer the run's frames carry, and where it came from. */
export interface AnswerCandidate {
  /** `agent_response`, `final_report`, ... or `the final agent_completed`. */
  source: string;
  text: string;
  frame: number;
}

/** Every answer of the run: each answer event (contract order, then arrival), then the final completion's. */
export function answerCandidates(run: Run, contract: Contract): AnswerCandidate[] {
  const candidates: AnswerCandidate[] = [];
  for (const spec of contract.answerEvents) {
    for (const e of run.events) if (e.type === spec.type && e.answer !== undefined) candidates.push({ source: spec.type, text: e.answer, frame: e.frame });
  }
  if (run.final?.answer !== undefined) candidates.push({ source: `the final ${contract.events.completed}`, text: run.final.answer, frame: run.final.frame });
  return candidates;
}

/** The run's answer as reports name it: the last answer event of the first kind that has one, else the final completion's. */
export function primaryAnswer(candidates: AnswerCandidate[]): AnswerCandidate | null {
  const first = candidates[0];
  if (first === undefined) return null;
  return candidates.filter((c) => c.source === first.source).at(-1) ?? first;
}

export interface PageMatch {
  /** The answer that became visible after the send, if one did. */
  shown: AnswerCandidate | null;
  /** An answer that was visible already before the send and did not appear again: it does not count. */
  stale: AnswerCandidate | null;
}

/** Which answer the page shows that it did not show before the send (by count, so a repeated answer counts too). */
export function matchPage(candidates: AnswerCandidate[], page: PageText | null): PageMatch {
  if (page === null || page.after === null) return { shown: null, stale: null };
  const before = squash(page.before ?? '');
  const after = squash(page.after);
  let stale: AnswerCandidate | null = null;
  for (const candidate of candidates) {
    for (const needle of needlesOf(candidate.text)) {
      const was = occurrences(before, needle);
      if (occurrences(after, needle) > was) return { shown: candidate, stale: null };
      if (was > 0) stale ??= candidate;
    }
  }
  return { shown: null, stale };
}

export function finalAnswerCheck(candidates: AnswerCandidate[], contract: Contract): Check {
  const sources = [...contract.answerEvents.map((a) => a.type), `the final ${contract.events.completed}`].join(', or ');
  const expected = `a non-empty answer in the frames (${sources})`;
  const answer = primaryAnswer(candidates);
  if (answer === null) return check('final-answer', 'fail', 'missing-event', expected, 'no answer in the frames');
  return check('final-answer', 'pass', 'missing-event', expected, `${answer.source}: ${answer.text.length} characters`, `frame ${answer.frame}`);
}

/** Something new became visible where the answer is shown, besides the probe's own message. */
export function answerRenderedCheck(page: PageText | null, message: string): Check {
  const scope = page?.scope ?? 'the page';
  const expected = `new visible text in ${scope} after the send`;
  if (page === null || page.after === null) return check('answer-rendered', 'fail', 'ui-render', expected, `${scope} could not be read`);
  if (page.after.trim() === '') return check('answer-rendered', 'fail', 'ui-render', expected, `${scope} shows no visible text`);
  const own = squash(message);
  const without = (text: string) => (own === '' ? text : squash(text).split(own).join(''));
  if (without(page.after) === without(page.before ?? '')) return check('answer-rendered', 'fail', 'ui-render', expected, `nothing new became visible in ${scope} after the send`);
  return check('answer-rendered', 'pass', 'ui-render', expected, `new visible text in ${scope}`);
}

export function answerAgreesCheck(candidates: AnswerCandidate[], page: PageText | null, match: PageMatch): Check {
  const scope = page?.scope ?? 'the page';
  const expected = `one of the run's answers visible in ${scope}, appearing after the send (markdown rendered or not; whitespace ignored)`;
  // A missing side is reported by its own check; its class keeps a timeout from passing as a render bug.
  const primary = primaryAnswer(candidates);
  if (primary === null) return check('answer-agrees', 'fail', 'missing-event', expected, 'no answer in the frames to compare');
  if (match.shown !== null) return check('answer-agrees', 'pass', 'ui-render', expected, `${match.shown.source} is visible`, `frame ${match.shown.frame}`);
  const said = `${candidates.length} answer(s) in the frames, none visible: frames say ${excerpt(primary.text)}`;
  if (match.stale !== null) {
    return check('answer-agrees', 'fail', 'ui-render', expected, `${said}; the page showed ${match.stale.source} already before the send, and not again after it`, `frame ${match.stale.frame}`);
  }
  const shows = page?.after ? `; the page shows ${endOf(page.after)}` : '';
  return check('answer-agrees', 'fail', 'ui-render', expected, `${said}${shows}`, describeFrames(candidates));
}

/** Only when PROBE_EXPECT_ANSWER is set: a real agent's answer matches it, a canned one does not. */
export function answerExpectedCheck(candidates: AnswerCandidate[], pattern: string): Check {
  const expected = `an answer matches /${pattern}/`;
  let regex: RegExp;
  try {
    regex = new RegExp(pattern);
  } catch (error) {
    return check('answer-expected', 'fail', 'config', expected, `not a valid regular expression: ${(error as Error).message}`);
  }
  const primary = primaryAnswer(candidates);
  if (primary === null) return check('answer-expected', 'fail', 'missing-event', expected, 'no answer in the frames');
  const matching = candidates.find((c) => regex.test(c.text));
  if (matching) return check('answer-expected', 'pass', 'fallback-stub', expected, `${matching.source} matches`);
  return check('answer-expected', 'fail', 'fallback-stub', expected, `no match in ${excerpt(primary.text)}`);
}

export function noFallbackCheck(run: Run, candidates: AnswerCandidate[], page: PageText | null, contract: Contract): Check {
  const { toolNames, answerPrefixes } = contract.fallback;
  const expected = `no canned fallback (tools ${toolNames.join(', ')}; answers starting ${answerPrefixes.map((p) => JSON.stringify(p)).join(', ')})`;
  const cannedTools = run.events.filter((e) => e.toolName !== undefined && toolNames.includes(e.toolName));
  const cannedAnswers = candidates.filter((c) => isCanned(c.text, answerPrefixes));
  const seen: string[] = [];
  if (cannedTools.length > 0) seen.push(`canned tool ${cannedTools.map(describeEvent).join(', ')}`);
  const first = cannedAnswers[0];
  if (first !== undefined) seen.push(`canned answer ${excerpt(first.text)}`);
  else if (cannedInPage(page, answerPrefixes)) seen.push(`canned answer in the page ${endOf(page?.after ?? '')}`);
  const where = [...cannedTools, ...cannedAnswers];
  if (seen.length > 0) return check('no-fallback', 'fail', 'fallback-stub', expected, seen.join('; '), where.length > 0 ? describeFrames(where) : undefined);
  return check('no-fallback', 'pass', 'fallback-stub', expected, 'no canned tool or answer');
}

function isCanned(text: string, prefixes: string[]): boolean {
  const trimmed = text.trim();
  return prefixes.some((prefix) => trimmed.startsWith(prefix));
}

/** A canned answer that appeared in the page after the send, even when the frames did not show it as one. */
function cannedInPage(page: PageText | null, prefixes: string[]): boolean {
  if (page?.after == null) return false;
  const before = squash(page.before ?? '');
  const after = squash(page.after);
  return prefixes.some((p) => squash(p) !== '' && occurrences(after, squash(p)) > occurrences(before, squash(p)));
}

/** What the verdict keeps of the page: the answer it showed, else the end of its visible text. */
export function pageShown(page: PageText | null, match: PageMatch): string | null {
  if (match.shown !== null) return match.shown.text;
  return page?.after == null ? null : tail(page.after);
}

export function collapse(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

const SHOWN_CHARS = 300;

/** The end of the page's text, quoted: where a chat shows what arrived last. */
function endOf(text: string, max = 60): string {
  const c = collapse(text);
  return JSON.stringify(c.length > max ? `...${c.slice(-max).trimStart()}` : c);
}

function tail(text: string): string {
  const c = collapse(text);
  return c.length > SHOWN_CHARS ? `…${c.slice(-SHOWN_CHARS)}` : c;
}

/**
 * Whitespace differs between a text and its rendering (line breaks, list layout, adjacent elements), so
 * texts are compared without it: the page must show every other character of the answer, in order.
 */
function squash(text: string): string {
  return text.replace(/\s+/g, '');
}

/** The answer as sent, and as a page that renders its markdown shows it. */
function needlesOf(text: string): string[] {
  return [...new Set([squash(text), squash(markdownToText(text))])].filter((n) => n !== '');
}

function occurrences(haystack: string, needle: string): number {
  let count = 0;
  for (let i = haystack.indexOf(needle); i !== -1; i = haystack.indexOf(needle, i + needle.length)) count++;
  return count;
}
