import { describe, expect, it } from 'vitest';
import { MizanError } from '../src/index.js';

describe('MizanError', () => {
  it('carries status, code, message and details', () => {
    const e = new MizanError(422, 'VALIDATION_ERROR', 'Input validation failed', { fields: { name: ['too short'] } });
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe('MizanError');
    expect(e.status).toBe(422);
    expect(e.code).toBe('VALIDATION_ERROR');
    expect(e.message).toBe('Input validation failed');
    expect(e.details).toEqual({ fields: { name: ['too short'] } });
  });

  it('isValidationError is true for VALIDATION_ERROR only', () => {
    expect(new MizanError(422, 'VALIDATION_ERROR', 'x').isValidationError()).toBe(true);
    expect(new MizanError(400, 'BAD_REQUEST', 'x').isValidationError()).toBe(false);
  });

  it('isAuthError is true for 401 and 403', () => {
    expect(new MizanError(401, 'UNAUTHORIZED', 'x').isAuthError()).toBe(true);
    expect(new MizanError(403, 'FORBIDDEN', 'x').isAuthError()).toBe(true);
    expect(new MizanError(404, 'NOT_FOUND', 'x').isAuthError()).toBe(false);
    expect(new MizanError(0, 'NETWORK_ERROR', 'x').isAuthError()).toBe(false);
  });

  it('fieldErrors reads details.fields[name], empty when absent', () => {
    const e = new MizanError(422, 'VALIDATION_ERROR', 'x', { fields: { name: ['too short', 'taken'], age: 'not a number' } });
    expect(e.fieldErrors('name')).toEqual(['too short', 'taken']);
    expect(e.fieldErrors('age')).toEqual(['not a number']);
    expect(e.fieldErrors('email')).toEqual([]);
    expect(new MizanError(500, 'INTERNAL_ERROR', 'x').fieldErrors('name')).toEqual([]);
    expect('details' in new MizanError(500, 'INTERNAL_ERROR', 'x')).toBe(false);
  });
});
