import { describe, expect, it } from 'vitest';
import { canonicalJson, canonicalString } from '../src/index.js';

describe('canonicalString (PROTOCOL §5)', () => {
  it('writes numbers as JavaScript String(x): 1e21, 0.5, -0', () => {
    expect(canonicalString(1e21)).toBe('1e+21');
    expect(canonicalString(0.5)).toBe('0.5');
    expect(canonicalString(-0)).toBe('0');
    expect(canonicalString(5)).toBe('5');
    expect(canonicalString(-12)).toBe('-12');
    expect(canonicalString(0.1 + 0.2)).toBe('0.30000000000000004');
    expect(canonicalString(1e-7)).toBe('1e-7');
    expect(canonicalString(123456789012345680000)).toBe('123456789012345680000');
  });

  it('writes booleans, null and strings as themselves', () => {
    expect(canonicalString(true)).toBe('true');
    expect(canonicalString(false)).toBe('false');
    expect(canonicalString(null)).toBe('null');
    expect(canonicalString('')).toBe('');
    expect(canonicalString('héllo, "world"')).toBe('héllo, "world"');
  });

  it('writes objects and arrays as canonical JSON with sorted keys', () => {
    expect(canonicalString({ b: 1, a: [true, null, 'x'], c: { z: 0.5, y: -0 } })).toBe(
      '{"a":[true,null,"x"],"b":1,"c":{"y":0,"z":0.5}}',
    );
    expect(canonicalString([3, { b: 2, a: 1 }])).toBe('[3,{"a":1,"b":2}]');
  });
});

describe('canonicalJson (PROTOCOL §5)', () => {
  it('does not escape non-ASCII text and has no whitespace', () => {
    expect(canonicalJson({ name: 'Zoë 日本 😀', list: [1, 2] })).toBe('{"list":[1,2],"name":"Zoë 日本 😀"}');
  });

  it('sorts keys by byte (code point) order, not UTF-16 unit order', () => {
    // U+FF21 sorts before U+1F600 in UTF-8 bytes, after it in UTF-16 units.
    expect(canonicalJson({ '😀': 1, Ａ: 2, a: 3, B: 4 })).toBe('{"B":4,"a":3,"Ａ":2,"😀":1}');
  });

  it('leaves out undefined members like JSON.stringify', () => {
    expect(canonicalJson({ a: undefined, b: [undefined], c: 1 })).toBe('{"b":[null],"c":1}');
  });
});
