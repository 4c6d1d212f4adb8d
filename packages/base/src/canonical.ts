/**
 * Canonical values (PROTOCOL.md §5): how a value is written when it must be
 * compared or hashed as a string, identically in every Mizan implementation.
 */

/**
 * A string as itself; a number as JavaScript's `String(x)` (shortest
 * round-trip, `-0` is `'0'`); `'true'`/`'false'`; `'null'` (also for
 * `undefined`); objects and arrays as canonical JSON.
 */
export function canonicalString(v: unknown): string {
  switch (typeof v) {
    case 'string':
      return v;
    case 'number':
    case 'bigint':
    case 'boolean':
      return String(v);
    case 'undefined':
      return 'null';
    default:
      return v === null ? 'null' : canonicalJson(v);
  }
}

/**
 * JSON with object keys sorted by byte order (UTF-8 byte order is code point
 * order), no insignificant whitespace and no `\u` escaping of non-ASCII text.
 * `undefined` members are left out, like `JSON.stringify` does.
 */
export function canonicalJson(v: unknown): string {
  if (typeof v === 'bigint') return v.toString();
  if (typeof v !== 'object' || v === null) return JSON.stringify(v) ?? 'null';
  const json = (v as { toJSON?: unknown }).toJSON;
  if (typeof json === 'function') return canonicalJson(json.call(v));
  if (Array.isArray(v)) {
    return `[${v.map((x) => (x === undefined || typeof x === 'function' ? 'null' : canonicalJson(x))).join(',')}]`;
  }
  const o = v as Record<string, unknown>;
  const members = sortedKeys(o)
    .filter((k) => o[k] !== undefined && typeof o[k] !== 'function')
    .map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`);
  return `{${members.join(',')}}`;
}

/** Own enumerable keys in byte (code point) order. */
export function sortedKeys(o: object): string[] {
  return Object.keys(o).sort(compareCodePoints);
}

/**
 * Code point order. UTF-16 unit order (the default sort) disagrees only when a
 * surrogate meets a unit at or above U+E000: the surrogate always encodes the
 * larger code point.
 */
function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) {
      const sx = x >= 0xd800 && x <= 0xdfff;
      if (sx !== (y >= 0xd800 && y <= 0xdfff)) return sx ? 1 : -1;
      return x - y;
    }
  }
  return a.length - b.length;
}
