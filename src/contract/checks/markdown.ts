// Markdown as a page shows it once rendered: the marks go, the text stays. Enough of CommonMark for the
// answers chat agents write (emphasis, code, links, lists, headings, quotes, tables); a construct it does
// not know keeps its marks, which can only make the answer harder to find in the page, never easier.

export function markdownToText(markdown: string): string {
  return markdown
    .split('\n')
    .filter((line) => !/^\s*(```|~~~)/.test(line)) // code fences: the code stays, the fence lines go
    .filter((line) => !/^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$/.test(line)) // a table's separator row, a rule
    .map((line) =>
      line
        .replace(/^\s{0,3}#{1,6}\s+/, '') // headings
        .replace(/^\s{0,3}(>\s?)+/, '') // quotes
        .replace(/^\s*([-*+]|\d{1,9}[.)])\s+/, '') // list items
        .replace(/^\s*\[[ xX]\]\s+/, '') // task list boxes
        .replace(/\|/g, ' '), // table cells
    )
    .join('\n')
    .replace(/!\[([^\]]*)\]\([^)]*\)/g, '$1') // images: their alt text
    .replace(/\[([^\]]+)\]\([^)]*\)/g, '$1') // links: their text
    .replace(/<(https?:\/\/[^>\s]+)>/g, '$1') // autolinks
    .replace(/(`+)([^`]|[^`].*?[^`])\1/g, '$2') // inline code
    .replace(/(\*\*|__)(?=\S)(.+?)(?<=\S)\1/g, '$2') // strong
    .replace(/(^|[^\w*])\*(?=\S)(.+?)(?<=\S)\*/g, '$1$2') // emphasis with *
    .replace(/(^|\W)_(?=\S)(.+?)(?<=\S)_(?=\W|$)/g, '$1$2') // emphasis with _ (not inside snake_case words)
    .replace(/~~(?=\S)(.+?)(?<=\S)~~/g, '$1'); // strikethrough
}
