/**
 * The failure types of the probe activities, for retry policies in workflow code (this file
 * imports nothing, so workflows may import it). See ./errors for what each means.
 */
export const RETRYABLE_PROBE_ERRORS = ['ProbeUnavailable'] as const;
export const NON_RETRYABLE_PROBE_ERRORS = ['ProbeFailed', 'ProbeNotCaptured', 'SecretUnavailable'] as const;
