// The final answer: present in the frames, visible in the page after the send, and not a canned stub.
// The page may show any one of the run's final answers (an agent_response, a final_report's executive
// summary, streamed chunks, the final agent_completed's result), rendered from markdown; what counts is the
// text a person can see.
import type { Contract } from '../contract';
import { excerpt } from '../fields';
import { check, describeEvent, describeFrames } from './check';
import type { Run } from '../attribution';
import type { AgentEvent, Check, PageText } from '../types';
import { markdownToText } from './markdown';

/** One answer the run's frames carry, and where it came from. */
export interface AnswerCandidate {
  /** `agent_response`, `final_report`, `partial_result chunks (3)`, `the final agent_completed`, ... */
  source: string;
  text: string;
  /** Its frame (a stream's: its last chunk's): the order of arrival. */
  frame: number;
}

/** What the run's frames say its answer is. */
export interface RunAnswers {
  /** Every answer the run carries: answer events (contract order, then arrival), streams, the final completion's. */
  all: AnswerCandidate[];
  /** The answers that count: the run's final ones (see runAnswersOf). */
  final: AnswerCandidate[];
  /** True when `final` came at or after the final completion: no later answer of the run replaces them. */
  settled: boolean;
}

/**
 * The run's answers, and which of them count. The answer a person waits for is the run's last word, not an
 * interim reply ("Working on it..."); platforms send it with the final completion or after it (the platform
 * this was built for shows `final_report`'s summary a second or more after it). So:
 * - answer events (and chunks) that came after the final completion count, each kind's last one, and the
 *   completion's own text beside them; earlier answer events were interim;
 * - with none after it, each kind's last answer before it and the completion's own text: a frontend shows one
 *   kind, and a later answer of the same kind replaces an earlier one;
 * - with no answer at all, the completion's status line (`message`): it is the answer only when there is no
 *   other, so a page showing "supervisor has completed processing your request" never passes a run whose
 *   real answer it did not show.
 * `settled`: an answer after the completion, or the completion's own text, is known; until then a later
 * answer may still come and replace what the page shows.
 */
export function runAnswersOf(run: Run, contract: Contract): RunAnswers {
  const events: AnswerCandidate[] = [];
  for (const spec of contract.answerEvents) {
    for (const e of run.events) if (e.type === spec.type && e.answer !== undefined) events.push({ source: spec.type, text: e.answer, frame: e.frame });
  }
  events.push(...streamAnswers(run.events, contract));
  const final = run.final;
  const own = final?.answer === undefined ? [] : [{ source: `the final ${contract.events.completed}`, text: final.answer, frame: final.frame }];
  const all = [...events, ...own];
  if (final === null) return { all, final: lastOfEachSource(all), settled: false };
  const late = lastOfEachSource(events.filter((c) => c.frame > final.frame));
  if (late.length > 0) return { all, final: [...late, ...own], settled: true };
  const earlier = lastOfEachSource(events);
  if (earlier.length > 0 || own.length > 0) return { all, final: [...earlier, ...own], settled: own.length > 0 };
  if (final.status === undefined) return { all, final: [], settled: false };
  const status = { source: `the final ${contract.events.completed}'s status message`, text: final.status, frame: final.frame };
  return { all: [...all, status], final: [status], settled: false };
}

/** A run's chunks: those not marked complete, joined in order, are one answer; each complete chunk is one too. */
function streamAnswers(events: AgentEvent[], contract: Contract): AnswerCandidate[] {
  const chunks = events.filter((e) => contract.streams.types.includes(e.type) && e.answer !== undefined);
  const pieces = chunks.filter((e) => e.complete !== true);
  const out: AnswerCandidate[] = chunks.filter((e) => e.complete === true).map((e) => ({ source: `${e.type} (complete)`, text: e.answer!, frame: e.frame }));
  const last = pieces.at(-1);
  if (last !== undefined) {
    const types = [...new Set(pieces.map((e) => e.type))].join(' and ');
    out.push({ source: `${types} chunks (${pieces.length})`, text: pieces.map((e) => e.answer).join(''), frame: last.frame });
  }
  return out;
}

function lastOfEachSource(candidates: AnswerCandidate[]): AnswerCandidate[] {
  const last = new Map<string, AnswerCandidate>();
  for (const c of candidates) if ((last.get(c.source)?.frame ?? -1) < c.frame) last.set(c.source, c);
  return candidates.filter((c) => last.get(c.source) === c);
}

/** The run's answer as reports name it: the last answer of the first kind that has one. */
export function primaryAnswer(candidates: AnswerCandidate[]): AnswerCandidate | null {
  const first = candidates[0];
  if (first === undefined) return null;
  return candidates.filter((c) => c.source === first.source).at(-1) ?? first;
}

/** Names one answer of a run, for the times the probe first saw each one visible (PageText.firstSeen). */
export function answerKey(candidate: AnswerCandidate): string {
  return `${candidate.source}@${candidate.frame}`;
}

export interface PageMatch {
  /** The final answer that became visible after the send, if one did. */
  shown: AnswerCandidate | null;
  /** A final answer that was visible already before the send and did not appear again: it does not count. */
  stale: AnswerCandidate | null;
  /** An answer of the run that is not its final one (an interim reply) newly visible: it does not count. */
  interim: AnswerCandidate | null;
}

/** Whether `text` (a page's visible text) shows `answer`, as written or rendered from markdown, whitespace ignored. */
export function shows(text: string, answer: string): boolean {
  const page = squash(text);
  return needlesOf(answer).some((n) => page.includes(n));
}

/** The answers the page shows more often than before the send (so a repeated answer counts too). */
export function newlyVisible(candidates: AnswerCandidate[], before: string | null, after: string): AnswerCandidate[] {
  const isNew = appearedIn(before, after);
  return candidates.filter(isNew);
}

function appearedIn(beforeText: string | null, afterText: string): (c: AnswerCandidate) => boolean {
  const before = squash(beforeText ?? '');
  const after = squash(afterText);
  return (c) => needlesOf(c.text).some((n) => occurrences(after, n) > occurrences(before, n));
}

/** Which final answer the page shows that it did not show before the send (by count, so a repeated answer counts too). */
export function matchPage(answers: RunAnswers, page: PageText | null): PageMatch {
  const none: PageMatch = { shown: null, stale: null, interim: null };
  if (page === null || page.after === null) return none;
  const before = squash(page.before ?? '');
  const isNew = appearedIn(page.before, page.after);
  const shown = answers.final.find(isNew) ?? null;
  if (shown !== null) return { ...none, shown };
  const stale = answers.final.find((c) => needlesOf(c.text).some((n) => occurrences(before, n) > 0)) ?? null;
  const interim = answers.all.find((c) => !answers.final.includes(c) && isNew(c)) ?? null;
  return { shown: null, stale, interim };
}

/** Of the final answers, the one the page shows most of from its start: `40 of 120 characters`, or null. */
function partlyShown(answers: RunAnswers, after: string): { candidate: AnswerCandidate; shown: number; total: number } | null {
  const page = squash(after);
  let best: { candidate: AnswerCandidate; shown: number; total: number } | null = null;
  for (const candidate of answers.final) {
    for (const needle of needlesOf(candidate.text)) {
      // The longest prefix of the answer that the page shows: a prefix shown means every shorter one is.
      let lo = 0;
      let hi = needle.length;
      while (lo < hi) {
        const mid = Math.ceil((lo + hi) / 2);
        if (page.includes(needle.slice(0, mid))) lo = mid;
        else hi = mid - 1;
      }
      if (lo >= MIN_PARTIAL_CHARS && (best === null || lo / needle.length > best.shown / best.total)) best = { candidate, shown: lo, total: needle.length };
    }
  }
  return best;
}

/** A shared beginning shorter than this says nothing: every answer starts with common words. */
const MIN_PARTIAL_CHARS = 12;

export function finalAnswerCheck(answers: RunAnswers, contract: Contract): Check {
  const sources = [...contract.answerEvents.map((a) => a.type), ...contract.streams.types.map((t) => `${t} chunks`), `the final ${contract.events.completed}`].join(', or ');
  const expected = `a non-empty answer in the frames (${sources})`;
  const answer = primaryAnswer(answers.final);
  if (answer === null) return check('final-answer', 'fail', 'missing-event', expected, 'no answer in the frames');
  return check('final-answer', 'pass', 'missing-event', expected, `${answer.source}: ${answer.text.length} characters`, `frame ${answer.frame}`);
}

/**
 * Something new became visible where the answer is shown, besides the probe's own message: a word the page
 * did not show before and the message does not hold. A conversation list that gains the new conversation,
 * titled with the message cut short, shows nothing new; the run's final answer shown new always is.
 */
export function answerRenderedCheck(page: PageText | null, message: string, finalShown: boolean): Check {
  const scope = page?.scope ?? 'the page';
  const expected = `new visible text in ${scope} after the send`;
  if (page === null || page.after === null) return check('answer-rendered', 'fail', 'ui-render', expected, `${scope} could not be read`);
  if (page.after.trim() === '') return check('answer-rendered', 'fail', 'ui-render', expected, `${scope} shows no visible text`);
  if (!finalShown && newWords(page.before ?? '', page.after, message).length === 0)
    return check('answer-rendered', 'fail', 'ui-render', expected, `nothing new became visible in ${scope} after the send`);
  return check('answer-rendered', 'pass', 'ui-render', expected, `new visible text in ${scope}`);
}

/** The words `after` shows more often than `before`, leaving out those of the probe's own message (or cut from one: a title's last). */
function newWords(before: string, after: string, message: string): string[] {
  const words = (text: string) => text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  const ownWords = words(message);
  const own = { has: (w: string) => ownWords.some((o) => o.startsWith(w)) };
  const seen = new Map<string, number>();
  for (const w of words(before)) seen.set(w, (seen.get(w) ?? 0) + 1);
  const fresh: string[] = [];
  for (const w of words(after)) {
    const left = seen.get(w) ?? 0;
    if (left > 0) seen.set(w, left - 1);
    else if (!own.has(w)) fresh.push(w);
  }
  return fresh;
}

export function answerAgreesCheck(answers: RunAnswers, page: PageText | null, match: PageMatch): Check {
  const scope = page?.scope ?? 'the page';
  const expected = `the run's final answer visible in ${scope}, appearing after the send (markdown rendered or not; whitespace ignored)`;
  // A missing side is reported by its own check; its class keeps a timeout from passing as a render bug.
  const primary = primaryAnswer(answers.final);
  if (primary === null) return check('answer-agrees', 'fail', 'missing-event', expected, 'no answer in the frames to compare');
  if (match.shown !== null) return check('answer-agrees', 'pass', 'ui-render', expected, `${match.shown.source} is visible`, `frame ${match.shown.frame}`);
  const said = `${answers.final.length} final answer(s) in the frames, none visible: frames say ${excerpt(primary.text)}`;
  if (match.stale !== null) {
    return check('answer-agrees', 'fail', 'ui-render', expected, `${said}; the page showed ${match.stale.source} already before the send, and not again after it`, `frame ${match.stale.frame}`);
  }
  if (match.interim !== null) {
    const seen = `${said}; the page shows ${match.interim.source} (frame ${match.interim.frame}), an earlier answer of the run, not its final one`;
    return check('answer-agrees', 'fail', 'ui-render', expected, seen, describeFrames([match.interim, ...answers.final]));
  }
  const partly = page?.after ? partlyShown(answers, page.after) : null;
  if (partly !== null) {
    const missing = partly.total - partly.shown;
    const seen = `${said}; the page shows only the first ${partly.shown} of ${partly.total} characters of ${partly.candidate.source} (${missing} missing, whitespace not counted)`;
    return check('answer-agrees', 'fail', 'ui-render', expected, seen, `frame ${partly.candidate.frame}`);
  }
  const shows = page?.after ? `; the page shows ${endOf(page.after)}` : '';
  return check('answer-agrees', 'fail', 'ui-render', expected, `${said}${shows}`, describeFrames(answers.final));
}

/** Only when PROBE_EXPECT_ANSWER is set: a real agent's answer matches it, a canned one does not. */
export function answerExpectedCheck(answers: RunAnswers, pattern: string): Check {
  const candidates = answers.final;
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

export function noFallbackCheck(run: Run, answers: RunAnswers, page: PageText | null, contract: Contract): Check {
  const candidates = answers.all;
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
