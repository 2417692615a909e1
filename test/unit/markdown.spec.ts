import { expect, test } from '@playwright/test';
import { markdownToText } from '../../src/contract/checks/markdown';

// Each construct as an agent writes it, and the text a page shows once it rendered it.
const CASES: [string, string, string][] = [
  ['strong and emphasis', 'A **bold** and *slanted* and __also__ _this_ word', 'A bold and slanted and also this word'],
  ['snake_case stays', 'the usage_lookup tool and 2*3*4', 'the usage_lookup tool and 2*3*4'],
  ['inline code', 'Run `usage --day` now', 'Run usage --day now'],
  ['links and images', 'See [the docs](https://example.invalid/d) ![chart](c.png) <https://example.invalid>', 'See the docs chart https://example.invalid'],
  ['headings and quotes', '## Costs\n> quoted', 'Costs\nquoted'],
  ['lists', '- one\n* two\n+ three\n1. four\n2) five\n- [x] done', 'one\ntwo\nthree\nfour\nfive\ndone'],
  ['code fences', '```ts\nconst a = 1;\n```', 'const a = 1;'],
  ['tables', '| a | b |\n|---|:-:|\n| 1 | 2 |', '  a   b  \n  1   2  '],
  ['strikethrough', '~~old~~ new', 'old new'],
];

for (const [what, markdown, text] of CASES) {
  test(`markdown as a page shows it: ${what}`, () => {
    expect(markdownToText(markdown)).toBe(text);
  });
}
