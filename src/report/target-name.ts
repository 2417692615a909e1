// What a run probed, as people, the history and the metrics name it: the app's URL, or the embedded reference,
// which is one target whatever port it had, so that its runs never mix with a staging's.

export const EMBEDDED_TARGET = 'embedded reference staging';

export function targetName(target: { embedded: boolean; appUrl: string }): string {
  return target.embedded ? EMBEDDED_TARGET : target.appUrl;
}

/**
 * The line the console opens with: what is probed, and, loudly, when it is only the embedded reference (no
 * PROBE_APP_URL): a green run of it says nothing about any deployment.
 */
export function targetLine(target: { embedded: boolean; appUrl: string; profile?: string; login?: string }): string {
  if (target.embedded) return 'target: the EMBEDDED REFERENCE staging (PROBE_APP_URL is not set): this run says nothing about your deployment';
  const how = [target.profile === undefined ? '' : `profile ${target.profile}`, target.login === undefined ? '' : `login ${target.login}`].filter(Boolean).join(', ');
  return `target: ${target.appUrl}${how ? ` (${how})` : ''}`;
}
