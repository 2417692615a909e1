// A journey's name, as the reports, the history, the alerts and the metrics give it. The built-in journey
// (e2e/golden-path.spec.ts) is `golden-path`; a team's (PROBE_JOURNEYS) is its test's title, describe blocks
// first, in lowercase words joined by `-`: `checkout › ask and reload` is `checkout-ask-and-reload`.

export const BUILT_IN_JOURNEY = 'golden-path';

export function journeyName(titles: readonly string[]): string {
  const words = titles.join(' ').toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  return words.join('-') || 'journey';
}

/** A result's journey: results written before journeys existed are the built-in one's. */
export function journeyOf(result: { journey?: string }): string {
  return result.journey ?? BUILT_IN_JOURNEY;
}

/** How a verdict's line names the journey: `golden path` for the built-in one (as it always read), else `journey NAME`. */
export function journeyLabel(journey: string): string {
  return journey === BUILT_IN_JOURNEY ? 'golden path' : `journey ${journey}`;
}
