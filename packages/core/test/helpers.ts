import { expect } from 'vitest';
import { FerryError } from '../src/errors.js';

/** The message of the INVALID_PARAMETER_VALUE error `fn` throws. */
export function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(FerryError);
    expect((error as FerryError).code).toBe('INVALID_PARAMETER_VALUE');
    return (error as FerryError).message;
  }
  throw new Error('expected an error');
}
