import type { SpecIssue } from '../config/errors';
import { FAILURE } from '../temporal/failure-types';

/** The worker's operator has not allowed inline specs: a workflow may only name a cluster of the clusters file. */
export class InlineSpecRefusedError extends Error {
  override name = FAILURE.InlineSpecRefused;
  readonly nonRetryable = true;
  constructor(cluster: string, clustersFile: string) {
    super(
      `spec: inline cluster specs are refused by this worker (cluster "${cluster}"); name a cluster of its clusters file ${clustersFile}, or have the worker's operator set FLINK_RUNBOOKS_ALLOW_INLINE_SPECS=true`,
    );
  }
}

/** An inline spec reaches past what the worker's operator allows: secrets, host paths or credential hosts. */
export class UntrustedSpecError extends Error {
  override name = FAILURE.UntrustedSpec;
  readonly nonRetryable = true;
  constructor(
    cluster: string,
    readonly issues: SpecIssue[],
  ) {
    super(
      `inline spec "${cluster}" refused by the worker's trust boundary:\n${issues.map((i) => `  - ${i.path}: ${i.message}`).join('\n')}`,
    );
  }
}
