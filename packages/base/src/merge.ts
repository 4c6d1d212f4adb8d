/**
 * Merge (PROTOCOL.md §4): splicing a mutation's result into a cached context
 * bundle instead of refetching it.
 */
import { canonicalString } from './canonical.js';
import { isObject } from './error.js';

export interface MergeEntry {
  context: string;
  /** The member function whose output `value` replaces or joins. */
  slot: string;
  mode: 'replace' | 'upsert';
  /** For `upsert`: the field that identifies a list element. */
  key?: string;
  /** Scope, matched like an invalidation target's (PROTOCOL.md §3.2). */
  params?: Record<string, unknown>;
  value: unknown;
}

/**
 * The bundle with `entry` applied, as a new object (the old one is left
 * untouched so that snapshots stay comparable by reference).
 *
 * `replace` overwrites the slot. `upsert` replaces the list element whose
 * `key` field equals `value[key]` (compared as canonical strings), else
 * appends; a slot that is not a list yet becomes `[value]`.
 */
export function applyMergeEntry(bundle: Record<string, unknown>, entry: MergeEntry): Record<string, unknown> {
  if (entry.mode !== 'upsert') return { ...bundle, [entry.slot]: entry.value };
  const current = bundle[entry.slot];
  const list = Array.isArray(current) ? current.slice() : [];
  const { key, value } = entry;
  const id = key !== undefined && isObject(value) && value[key] !== undefined ? canonicalString(value[key]) : undefined;
  const at = id === undefined ? -1 : list.findIndex((el) => isObject(el) && canonicalString(el[key!]) === id);
  if (at < 0) list.push(value);
  else list[at] = value;
  return { ...bundle, [entry.slot]: list };
}
