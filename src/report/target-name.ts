// What a run probed, as people, the history and the metrics name it: the app's URL, or the embedded reference,
// which is one target whatever port it had, so that its runs never mix with a staging's.

export const EMBEDDED_TARGET = 'embedded reference staging';

export function targetName(target: { embedded: boolean; appUrl: string }): string {
  return target.embedded ? EMBEDDED_TARGET : target.appUrl;
}
