import { describe, expect, it } from 'vitest';
import {
  formatInvalidateHeader,
  type InvalidateTarget,
  parseInvalidateHeader,
  scopeMatches,
  targetHits,
} from '../src/index.js';

describe('X-Mizan-Invalidate header (PROTOCOL §3.3)', () => {
  it('formats broad and scoped targets, entries separated by ", ", keys sorted', () => {
    const header = formatInvalidateHeader(['notifications', { context: 'user', params: { user_id: 5, org: 'a' } }]);
    expect(header).toBe('notifications, user;org=a;user_id=5');
  });

  it('writes function-level targets as their context', () => {
    expect(formatInvalidateHeader([{ context: 'user', function: 'user_profile' }])).toBe('user');
    expect(formatInvalidateHeader([{ context: 'user', function: 'user_profile', params: { user_id: 5 } }])).toBe(
      'user;user_id=5',
    );
  });

  it('percent-encodes keys and canonical values like encodeURIComponent', () => {
    expect(formatInvalidateHeader([{ context: 'search', params: { 'q;k': 'a,b=c d', flag: true, n: 0.5 } }])).toBe(
      'search;flag=true;n=0.5;q%3Bk=a%2Cb%3Dc%20d',
    );
  });

  it('round-trips ; , = spaces quotes non-ASCII and empty strings', () => {
    const values = ['a;b', 'a,b', 'a=b', ' spaced  out ', `"double" 'single'`, 'Zoë 日本 😀', '', '%20', ', ;='];
    const targets: InvalidateTarget[] = values.map((v, i) => ({ context: `ctx${i}`, params: { [`k ${v}`]: v, plain: v } }));
    targets.push('broad');
    const parsed = parseInvalidateHeader(formatInvalidateHeader(targets));
    expect(parsed).toEqual(targets);
  });

  it('parses param values as their canonical strings', () => {
    expect(parseInvalidateHeader('user;user_id=5;admin=true;nothing=null')).toEqual([
      { context: 'user', params: { admin: 'true', nothing: 'null', user_id: '5' } },
    ]);
  });

  it('parses an empty header, stray spaces and a malformed escape without throwing', () => {
    expect(parseInvalidateHeader('')).toEqual([]);
    expect(parseInvalidateHeader('  a ,b,, c;x=%E0%A4%A  ')).toEqual(['a', 'b', { context: 'c', params: { x: '%E0%A4%A' } }]);
  });
});

describe('matching (PROTOCOL §3.2)', () => {
  it('a broad target hits every instance of its context and no other', () => {
    expect(targetHits('user', 'user', {})).toBe(true);
    expect(targetHits('user', 'user', { user_id: 5 })).toBe(true);
    expect(targetHits('user', 'users', {})).toBe(false);
  });

  it('a scoped target hits when every key is present with an equal canonical string (AND)', () => {
    const target = { context: 'user', params: { user_id: 5, org: 'a' } };
    expect(targetHits(target, 'user', { user_id: '5', org: 'a', tab: 'x' })).toBe(true);
    expect(targetHits(target, 'user', { user_id: 5 })).toBe(false);
    expect(targetHits(target, 'user', { user_id: 6, org: 'a' })).toBe(false);
    expect(targetHits(target, 'other', { user_id: 5, org: 'a' })).toBe(false);
  });

  it('compares values by canonical string: 5 and "5", true and "true", 0 and -0', () => {
    expect(scopeMatches({ id: 5 }, { id: '5' })).toBe(true);
    expect(scopeMatches({ on: true }, { on: 'true' })).toBe(true);
    expect(scopeMatches({ x: -0 }, { x: 0 })).toBe(true);
    expect(scopeMatches({ id: 5 }, { id: 5.5 })).toBe(false);
  });

  it('an inherited property is not a param', () => {
    expect(scopeMatches({ constructor: 'x' }, {})).toBe(false);
  });
});
