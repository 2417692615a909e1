// Profiles: presets for a kind of platform. A profile's values sit between the environment (and .env) and
// the built-in defaults: `flag > environment > .env > profile > default`.

import type { ProfileName } from './variables';

export interface Profile {
  values: Record<string, string>;
  /** Variables a real target must set under this profile (the embedded reference sets them itself). */
  requires: string[];
}

export const PROFILES_BY_NAME: Record<ProfileName, Profile> = {
  // Form login, the app's own hosts, every socket of the page: what any chat app is likely to have.
  generic: { values: {}, requires: [] },
  // The Netra-Apex-like platform of DESIGN.md: three hosts, e2e bypass login handed over at /auth/callback,
  // ticket auth on the socket, the three health endpoints checked first.
  netra: {
    values: {
      PROBE_LOGIN: 'e2e-bypass',
      PROBE_TOKEN_HANDOFF: 'callback',
      PROBE_CALLBACK_PATH: '/auth/callback',
      PROBE_TOKEN_STORAGE_KEY: 'jwt_token',
      PROBE_WS_AUTH: 'ticket',
      PROBE_PREFLIGHT_URLS: '{api}/health,{api}/ws/health,{auth}/health',
      // The platform's stored history of a thread (its threads route): "saved" and "shown" told apart.
      PROBE_THREAD_MESSAGES_URL: '{api}/api/threads/{threadId}/messages',
      // Its sidebar's conversation items (frontend/components/chat/ChatSidebarThreadList.tsx); its chat page
      // keeps the thread in the URL (/chat/<id>, app/chat/page.tsx), which the probe tries first.
      PROBE_THREAD_LIST_SELECTOR: '[data-testid="thread-item-{threadId}"]',
      // No answer selector: that frontend shows the answer as a message without a test id, and its
      // response-card holds a report card (recommendations, metrics), not the answer text.
    },
    requires: ['PROBE_API_URL', 'PROBE_AUTH_URL'],
  },
};
