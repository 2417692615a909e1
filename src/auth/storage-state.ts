// A saved Playwright storage state (PROBE_STORAGE_STATE) spares a login per run. It is reused while the
// token inside it is valid; an expired one is set aside so the configured strategy logs in again and
// rewrites it. The file holds a token: it is the user's, outside reports/, and never written into a report.

import { existsSync, readFileSync } from 'node:fs';
import type { Page } from '@playwright/test';
import type { ProbeConfig } from '../config/load';
import type { Redactor } from '../redact';
import { chatOrLogin, chatUrl } from '../capture/chat';
import { tokenExpiresAt, userOfToken, type LoginUser } from './token';

/** Reuse stops this long before the token's own expiry, so a run never starts on a token about to lapse. */
const EXPIRY_MARGIN_MS = 60_000;

interface StorageStateFile {
  cookies?: Array<{ name: string; value: string; expires?: number }>;
  origins?: Array<{ origin: string; localStorage?: Array<{ name: string; value: string }> }>;
}

/** The path when the file exists and its token is still valid, else undefined. */
export function usableStorageState(config: ProbeConfig, now = Date.now()): string | undefined {
  const path = config.storageState;
  if (!path || !existsSync(path)) return undefined;
  let state: StorageStateFile;
  try {
    state = JSON.parse(readFileSync(path, 'utf8')) as StorageStateFile;
  } catch {
    return undefined;
  }
  const token = storedToken(state, config.tokenStorageKey);
  if (!token) return undefined;
  const expires = tokenExpiresAt(token);
  return expires === null || expires - EXPIRY_MARGIN_MS > now ? path : undefined;
}

function storedToken(state: StorageStateFile, key: string): string | undefined {
  for (const origin of state.origins ?? []) {
    const item = origin.localStorage?.find((i) => i.name === key);
    if (item) return item.value;
  }
  return state.cookies?.find((c) => c.name === key)?.value;
}

/**
 * With a storage state loaded, opens the chat: when the app shows it, the state logged the probe in.
 * Returns the user id, or null when the app sent the probe to its login page instead.
 */
export async function resumeFromState(page: Page, config: ProbeConfig, redactor: Redactor): Promise<LoginUser | null> {
  const timeout = config.stepTimeoutMs;
  await page.goto(chatUrl(config), { timeout });
  if ((await chatOrLogin(page, config, timeout)) !== 'chat') return null;
  const token = await page.evaluate((k) => localStorage.getItem(k), config.tokenStorageKey).catch(() => null);
  const cookie = (await page.context().cookies()).find((c) => c.name === config.tokenStorageKey)?.value;
  const found = token ?? cookie;
  redactor.add(found ?? undefined);
  return userOfToken(found ?? null);
}
