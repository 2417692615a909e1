// Small helpers to read frames and look fields up by dotted path. Shared by the normalizer (incoming frames)
// and the judge (outgoing frames and HTTP sends, where the probe's thread id is learned).
import type { FrameRecord } from './types';

export type ParsedFrame = { ok: true; value: unknown } | { ok: false; reason: string };

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The frame's text; null for binary frames that are not UTF-8 text (recorded as base64). */
export function frameText(frame: FrameRecord): string | null {
  if (frame.kind === 'binary' && frame.encoding === 'base64') return null;
  return frame.payload;
}

/** Parses a frame as JSON. Never throws: a frame is evidence, and a bad one is a warning, not a crash. */
export function parseFrame(frame: FrameRecord): ParsedFrame {
  const text = frameText(frame);
  if (text === null) return { ok: false, reason: 'binary frame that is not UTF-8 text' };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false, reason: `not JSON: ${excerpt(text)}` };
  }
}

/** A short, quoted, one-line excerpt for messages. */
export function excerpt(text: string, max = 60): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return JSON.stringify(oneLine.length > max ? `${oneLine.slice(0, max)}...` : oneLine);
}

export function getPath(obj: Record<string, unknown>, path: string): unknown {
  let current: unknown = obj;
  for (const key of path.split('.')) {
    if (!isRecord(current) || !Object.hasOwn(current, key)) return undefined;
    current = current[key];
  }
  return current;
}

/**
 * The first non-empty string (or number) found at one of `paths`, each tried in every container in order.
 * Path-major order, so that `result` in `data` beats a status `message` at the top level.
 */
export function lookup(obj: Record<string, unknown>, paths: string[], containers: string[]): string | undefined {
  for (const path of paths) {
    for (const container of containers) {
      const base = container === '' ? obj : obj[container];
      if (!isRecord(base)) continue;
      const value = getPath(base, path);
      if (typeof value === 'string' && value.trim() !== '') return value;
      if (typeof value === 'number' && Number.isFinite(value)) return String(value);
    }
  }
  return undefined;
}

/** True when one of `paths`, in any container, holds `true` (a chunk's `is_complete`, `done`). */
export function lookupFlag(obj: Record<string, unknown>, paths: string[], containers: string[]): boolean {
  for (const path of paths) {
    for (const container of containers) {
      const base = container === '' ? obj : obj[container];
      if (isRecord(base) && getPath(base, path) === true) return true;
    }
  }
  return false;
}
