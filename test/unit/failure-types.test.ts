import { describe, expect, it } from 'vitest';
import { FAILURE } from '../../src/temporal/failure-types';

describe('failure types, named once', () => {
  it.each(Object.entries(FAILURE))('%s is the type it names', (key, type) => {
    expect(type).toBe(key);
  });
});
