import { readFile } from 'node:fs/promises';
import { FAILURE } from '../temporal/failure-types';

/**
 * A secret is never written in a spec or a workflow input: the spec names where it lives and
 * only an activity reads it. That keeps webhook tokens and passwords out of workflow history.
 */
export type SecretRef = { fromEnv: string } | { fromFile: string };

export class SecretUnavailableError extends Error {
  override name = FAILURE.SecretUnavailable;
}

export function describeSecretRef(ref: SecretRef): string {
  return 'fromEnv' in ref ? `environment variable ${ref.fromEnv}` : `file ${ref.fromFile}`;
}

/** Reads a secret's value. Call only inside activities; never return the value from one. */
export async function resolveSecret(ref: SecretRef, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  if ('fromEnv' in ref) {
    const value = env[ref.fromEnv];
    if (value === undefined || value === '') {
      throw new SecretUnavailableError(`secret ${describeSecretRef(ref)} is not set`);
    }
    return value;
  }
  try {
    return (await readFile(ref.fromFile, 'utf8')).trim();
  } catch (error) {
    throw new SecretUnavailableError(
      `secret ${describeSecretRef(ref)} cannot be read: ${(error as NodeJS.ErrnoException).code}`,
    );
  }
}
