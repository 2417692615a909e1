// Global setup when no staging is configured: start the embedded reference staging on an ephemeral port,
// publish its URLs and reference credentials to the workers through the environment, stop it at the end.
// Values the user set (a wrong password on purpose, say) are kept.

import { REFERENCE_CREDENTIALS, startReference } from '../reference/server';

export default async function startEmbeddedReference(): Promise<() => Promise<void>> {
  // Under the netra profile the reference plays that platform's layout too: app, API and auth on three ports.
  const layout = process.env.PROBE_PROFILE === 'netra' ? 'netra' : 'single';
  const server = await startReference({ speed: Number(process.env.PROBE_REFERENCE_SPEED ?? '1'), layout });
  // Asked for in so many words (PROBE_APP_URL=embedded): still so once the URL below replaces the word.
  if (process.env.PROBE_APP_URL === 'embedded') process.env.PROBE_EMBEDDED_ASKED = '1';
  process.env.PROBE_APP_URL = server.appUrl;
  process.env.PROBE_API_URL = server.apiUrl;
  process.env.PROBE_AUTH_URL = server.authUrl;
  process.env.PROBE_EMBEDDED = '1';
  process.env.PROBE_USERNAME ??= REFERENCE_CREDENTIALS.username;
  process.env.PROBE_PASSWORD ??= REFERENCE_CREDENTIALS.password;
  process.env.PROBE_E2E_BYPASS_KEY ??= REFERENCE_CREDENTIALS.bypassKey;
  return () => server.close();
}
