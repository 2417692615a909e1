// PROBE_CONTRACT: a JSON file that teaches the probe another dialect without code. It holds any part of
// the default contract (src/contract/contract.ts); what it names replaces the default, what it leaves out
// stays. Every field is checked against the default's shape, and every problem is reported at once with
// its path (`events.started must be a non-empty string`).

import { readFileSync } from 'node:fs';
import { defaultContract, type Contract } from '../contract/contract';

export type ContractResult = { ok: true; contract: Contract } | { ok: false; problems: string[] };

type Json = unknown;

export function loadContractFile(path: string): ContractResult {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    return { ok: false, problems: [`PROBE_CONTRACT: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`] };
  }
  let parsed: Json;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    return { ok: false, problems: [`PROBE_CONTRACT: ${path} is not valid JSON: ${(err as Error).message}`] };
  }
  return parseContract(parsed, `PROBE_CONTRACT (${path})`);
}

/** Merges a partial contract over the default, checking each field against the default's shape. */
export function parseContract(value: Json, where: string): ContractResult {
  const problems: string[] = [];
  const merged = mergeChecked(defaultContract, value, '', problems) as Contract;
  return problems.length ? { ok: false, problems: problems.map((p) => `${where}: ${p}`) } : { ok: true, contract: merged };
}

/** Fields whose keys are free (a map), rather than a fixed set taken from the default. */
const MAPS = new Set(['aliases']);

function mergeChecked(base: Json, override: Json, path: string, problems: string[]): Json {
  const name = path || 'the contract';
  if (override === undefined) return base;
  if (typeof base === 'string') {
    if (typeof override !== 'string' || override.trim() === '') problems.push(`${name} must be a non-empty string`);
    return override;
  }
  if (Array.isArray(base)) {
    if (!Array.isArray(override)) {
      problems.push(`${name} must be an array`);
      return base;
    }
    // An empty default (rootAgents) is a list of names: its items are checked as strings.
    const sample = base[0] ?? '';
    // An empty list is allowed except where the probe needs at least one place to look.
    if (override.length === 0 && (path === 'containers' || path.startsWith('fields.'))) problems.push(`${name} must not be empty`);
    return override.map((item, i) => {
      // A list item replaces the default's whole: an object item must name every field.
      if (isObject(sample) && isObject(item))
        for (const k of Object.keys(sample)) if (!(k in item)) problems.push(`${path}[${i}].${k} is missing`);
      return mergeChecked(typeof sample === 'string' ? '' : sample, item, `${path}[${i}]`, problems);
    });
  }
  if (isObject(base)) {
    if (!isObject(override)) {
      problems.push(`${name} must be an object`);
      return base;
    }
    if (MAPS.has(path)) {
      for (const [k, v] of Object.entries(override))
        if (typeof v !== 'string' || v === '') problems.push(`${path}.${k} must be a non-empty string (the canonical event name)`);
      return override;
    }
    const out: Record<string, Json> = { ...base };
    for (const [k, v] of Object.entries(override)) {
      const child = path ? `${path}.${k}` : k;
      if (!(k in base)) {
        problems.push(`${child} is not a contract field; known: ${Object.keys(base).join(', ')}`);
        continue;
      }
      out[k] = mergeChecked(base[k], v, child, problems);
    }
    return out;
  }
  return override;
}

function isObject(v: Json): v is Record<string, Json> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
