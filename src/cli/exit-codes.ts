import { isGrpcServiceError, ServiceError } from '@temporalio/client';
import {
  ClustersFileUnreadableError,
  InvalidClusterSpecError,
  UnknownClusterError,
  UnknownJobError,
} from '../config/errors';
import { InlineSpecRefusedError, UntrustedSpecError } from '../trust/errors';
import { ReportDirRefusedError } from '../trust/report-dir';

/** Exit codes: 0 done, 1 the runbook failed, 2 bad usage or input, 3 Temporal unreachable. */
export const EXIT = { ok: 0, failed: 1, usage: 2, unreachable: 3 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** The command line or its input is wrong: nothing was sent. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** The client could not connect to Temporal (see connectToTemporal in temporal-client.ts). */
export class TemporalUnreachableError extends Error {
  override name = 'TemporalUnreachable';
}

/** Errors that say the person's input is wrong, by type: the same input would fail again. */
const INPUT_ERRORS = [
  UsageError,
  InvalidClusterSpecError,
  UnknownClusterError,
  UnknownJobError,
  ClustersFileUnreadableError,
  InlineSpecRefusedError,
  UntrustedSpecError,
  ReportDirRefusedError,
];

// gRPC status codes (grpc.status): the server could not be reached, or did not answer in time.
const GRPC_DEADLINE_EXCEEDED = 4;
const GRPC_UNAVAILABLE = 14;

/**
 * Temporal could not be reached: the connect failed, the client gave up on a call without an
 * answer (a ServiceError whose cause is not a gRPC answer), or a call came back UNAVAILABLE or
 * DEADLINE_EXCEEDED.
 */
function temporalUnreachable(error: unknown): boolean {
  if (error instanceof TemporalUnreachableError) return true;
  const grpcUnreachable = (e: unknown) =>
    isGrpcServiceError(e) && (e.code === GRPC_UNAVAILABLE || e.code === GRPC_DEADLINE_EXCEEDED);
  if (grpcUnreachable(error)) return true;
  if (!(error instanceof ServiceError)) return false;
  return error.cause !== undefined && (!isGrpcServiceError(error.cause) || grpcUnreachable(error.cause));
}

/** The exit code for an error a command threw, chosen by the error's type, never by its text. */
export function exitCodeFor(error: unknown): ExitCode {
  if (INPUT_ERRORS.some((type) => error instanceof type)) return EXIT.usage;
  if (temporalUnreachable(error)) return EXIT.unreachable;
  return EXIT.failed;
}
