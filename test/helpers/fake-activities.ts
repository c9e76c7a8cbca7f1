import { ApplicationFailure } from '@temporalio/common';
import * as real from '../../src/activities';

/**
 * Activities faked per test: each test hands in the few it expects, with the same signatures as
 * the real ones; every other activity fails at once as the non-retryable `NotFaked`, naming
 * itself, so an unexpected call shows up as a clear failure instead of a retry loop.
 */
export type Activities = typeof real;
export type ActivityName = keyof Activities;
export type Fakes = {
  [K in ActivityName]?: (
    ...args: Parameters<Activities[K]>
  ) => Promise<Awaited<ReturnType<Activities[K]>>> | Awaited<ReturnType<Activities[K]>>;
};

export interface Call {
  name: ActivityName;
  input: unknown;
}

/** Every call the workflow made, in the order the worker started them. */
export class CallLog {
  readonly calls: Call[] = [];

  names(): ActivityName[] {
    return this.calls.map((c) => c.name);
  }

  inputsOf<K extends ActivityName>(name: K): Array<Parameters<Activities[K]>[0]> {
    return this.calls.filter((c) => c.name === name).map((c) => c.input as Parameters<Activities[K]>[0]);
  }

  count(name: ActivityName): number {
    return this.calls.filter((c) => c.name === name).length;
  }
}

export function fakeActivities(
  fakes: Fakes,
  log = new CallLog(),
): Record<string, (...args: unknown[]) => unknown> {
  const registered: Record<string, (...args: unknown[]) => unknown> = {};
  for (const name of Object.keys(real) as ActivityName[]) {
    const fake = fakes[name] as ((...args: unknown[]) => unknown) | undefined;
    registered[name] = async (...args: unknown[]) => {
      log.calls.push({ name, input: args[0] });
      if (!fake)
        throw ApplicationFailure.nonRetryable(`activity ${name} is not faked in this test`, 'NotFaked');
      return fake(...args);
    };
  }
  return registered;
}

/** An error as the real activities throw it: the failure type is the error's name. */
export function typedError(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}
