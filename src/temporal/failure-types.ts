/**
 * The failure types runbooks decide on, each named once: retry policies list the final ones,
 * workflows match on them, activities throw errors named after them and workflows throw them.
 * A misspelt name is then a compile error, not a failure silently retried or never matched.
 * Imports nothing, so workflow code may import it. Flink's, the spec's, the probes' and the
 * alerts' own types are listed beside their errors (flink/errors.ts, config/errors.ts,
 * probes/error-types.ts, alerts/types.ts).
 */
export const FAILURE = {
  // Thrown by activities.
  /** A wait ran out of time: a verdict, not something to retry. */
  WaitTimeout: 'WaitTimeout',
  /** Flink reported the savepoint failed (or a savepoint runbook gave up on it). */
  SavepointFailed: 'SavepointFailed',
  /** The leader that took a savepoint trigger is gone and the new one does not know it. */
  SavepointTriggerLost: 'SavepointTriggerLost',
  JobSubmissionFailed: 'JobSubmissionFailed',
  /** A cancel the job's state does not make safe (its state would be lost). */
  UnsafeCancel: 'UnsafeCancel',
  /** A removal of something that is not the job's to remove. */
  UnsafeDelete: 'UnsafeDelete',
  UnsafeClean: 'UnsafeClean',
  NotOurContainer: 'NotOurContainer',
  ContainerNotFound: 'ContainerNotFound',
  /** The job's maintenance lease is held by another runbook. */
  LeaseHeld: 'LeaseHeld',
  OutputUnreadable: 'OutputUnreadable',
  BadStateQuery: 'BadStateQuery',
  CheckpointDirUnmapped: 'CheckpointDirUnmapped',
  SavepointDirUnmapped: 'SavepointDirUnmapped',
  ReportNotWritten: 'ReportNotWritten',
  // Thrown by workflows.
  InvalidInput: 'InvalidInput',
  UnknownJob: 'UnknownJob',
  NoRunningJob: 'NoRunningJob',
  /** A restart found no checkpoint or savepoint to restore from. */
  NoRestorePoint: 'NoRestorePoint',
  /** Another live job of the same name: one job per name. */
  StrayJob: 'StrayJob',
  DrillRefused: 'DrillRefused',
  LeaseFailed: 'LeaseFailed',
  HousekeepingRefused: 'HousekeepingRefused',
} as const;

export type FailureType = (typeof FAILURE)[keyof typeof FAILURE];
