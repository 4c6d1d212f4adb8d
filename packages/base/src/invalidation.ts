/**
 * Invalidation targets (PROTOCOL.md §3): what they hit, and their
 * `X-Mizan-Invalidate` header form.
 */
import { canonicalString, sortedKeys } from './canonical.js';

/**
 * `"user"` is broad (every instance of `user`); `{context, params}` is scoped;
 * `{context, function}` names one member function of the context (the kernel
 * refetches the whole context).
 */
export type InvalidateTarget =
  | string
  | { context: string; function?: string; params?: Record<string, unknown> };

export const INVALIDATE_HEADER = 'X-Mizan-Invalidate';

export function targetContext(target: InvalidateTarget): string {
  return typeof target === 'string' ? target : target.context;
}

/**
 * PROTOCOL.md §3.2: every key of `scope` is in `params` with an equal
 * canonical string. No scope (a broad target) matches everything.
 */
export function scopeMatches(scope: Record<string, unknown> | undefined, params: Record<string, unknown>): boolean {
  if (!scope) return true;
  for (const key of Object.keys(scope)) {
    if (scope[key] === undefined) continue;
    if (params[key] === undefined || !Object.prototype.hasOwnProperty.call(params, key)) return false;
    if (canonicalString(scope[key]) !== canonicalString(params[key])) return false;
  }
  return true;
}

/** Whether `target` hits the instance of `context` with `params`. */
export function targetHits(target: InvalidateTarget, context: string, params: Record<string, unknown>): boolean {
  if (typeof target === 'string') return target === context;
  return target.context === context && scopeMatches(target.params, params);
}

/**
 * One header entry: `context;key=value;...`, keys in byte order, keys and
 * canonical values percent-encoded like `encodeURIComponent`. `undefined`
 * values are left out. The kernel also uses this as the instance key.
 */
export function formatTarget(context: string, params?: Record<string, unknown>): string {
  let entry = context;
  if (params) {
    for (const key of sortedKeys(params)) {
      if (params[key] === undefined) continue;
      entry += `;${encodeURIComponent(key)}=${encodeURIComponent(canonicalString(params[key]))}`;
    }
  }
  return entry;
}

/** `params` without its `undefined` values: `{a: 1, b: undefined}` and `{a: 1}` name one instance. */
export function definedParams(params: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(params)) if (v !== undefined) out[k] = v;
  return out;
}

/** `X-Mizan-Invalidate` value for `targets`; function targets are written as their context. */
export function formatInvalidateHeader(targets: readonly InvalidateTarget[]): string {
  return targets
    .map((t) => (typeof t === 'string' ? t : formatTarget(t.context, t.params)))
    .join(', ');
}

/**
 * Parses an `X-Mizan-Invalidate` value. Entries without params come back as
 * broad (string) targets; param values come back as their canonical strings.
 */
export function parseInvalidateHeader(value: string): InvalidateTarget[] {
  const targets: InvalidateTarget[] = [];
  for (const raw of value.split(',')) {
    const [context = '', ...pairs] = raw.trim().split(';');
    if (!context) continue;
    if (pairs.length === 0) {
      targets.push(context);
      continue;
    }
    const params: Record<string, unknown> = {};
    for (const pair of pairs) {
      const eq = pair.indexOf('=');
      const key = decode(eq < 0 ? pair : pair.slice(0, eq));
      params[key] = eq < 0 ? '' : decode(pair.slice(eq + 1));
    }
    targets.push({ context, params });
  }
  return targets;
}

/** A header comes from the network: a malformed escape stays as written. */
function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
