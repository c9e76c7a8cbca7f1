import { FAILURE } from '../temporal/failure-types';

/**
 * The failure types of the probe activities, for retry policies in workflow code (this file
 * imports only the failure names, so workflows may import it). See ./errors for what each means.
 */
export const RETRYABLE_PROBE_ERRORS = [FAILURE.ProbeUnavailable] as const;
export const NON_RETRYABLE_PROBE_ERRORS = [
  FAILURE.ProbeFailed,
  FAILURE.ProbeNotCaptured,
  FAILURE.SecretUnavailable,
] as const;
