/** The FlopnetError a call throws; fails the test when it throws something else or nothing. */
import { expect } from 'vitest';
import { FlopnetError } from '../../shared/errors.js';

export function errorOf(fn: () => unknown): FlopnetError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(FlopnetError);
    return error as FlopnetError;
  }
  throw new Error('expected an error');
}
