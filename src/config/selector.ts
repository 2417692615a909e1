// A selector's syntax, checked before the browser starts: `[[bad` in PROBE_ANSWER_SELECTOR is the user's
// mistake, and must say so (exit 2) rather than wait out a timeout and blame the staging's page (ui-render).
// Playwright's selectors: CSS (with its own pseudo-classes, `:has-text()`, `:visible`), an engine prefix
// (`text=`, `role=`, `xpath=`, `css=`, `id=`, `data-testid=`, ...), XPath from `//`, quoted text, and
// `>>` chains of these. CSS is parsed for real (css-what); the other engines need a body.

import { parse as parseCss } from 'css-what';

const ENGINES = new Set(['css', 'text', 'role', 'xpath', 'id', 'data-testid', 'data-test-id', 'data-test', 'nth', 'visible', 'internal:text', 'internal:role', 'internal:testid', 'internal:label', 'internal:has-text']);

/** What is wrong with `selector`'s syntax, or undefined when Playwright can parse it. */
export function selectorProblem(selector: string): string | undefined {
  for (const part of selector.split(/\s+>>\s+/)) {
    const problem = partProblem(part.trim());
    if (problem) return selector.includes('>>') ? `${problem} (in ${JSON.stringify(part.trim())})` : problem;
  }
  return undefined;
}

function partProblem(part: string): string | undefined {
  if (part === '') return 'an empty part';
  if (part.startsWith('//') || part.startsWith('..') || /^["']/.test(part)) return undefined;
  const engine = /^([a-z][\w:-]*)=/i.exec(part);
  if (engine) {
    const name = engine[1]!.toLowerCase();
    const body = part.slice(engine[0].length);
    if (!ENGINES.has(name)) return `unknown selector engine ${name}= (Playwright knows ${[...ENGINES].filter((e) => !e.startsWith('internal:')).join(', ')})`;
    if (body.trim() === '') return `${name}= with nothing after it`;
    return name === 'css' ? cssProblem(body) : undefined;
  }
  return cssProblem(part);
}

function cssProblem(css: string): string | undefined {
  try {
    parseCss(css);
    return undefined;
  } catch (err) {
    return `not a valid CSS selector: ${(err as Error).message}`;
  }
}
