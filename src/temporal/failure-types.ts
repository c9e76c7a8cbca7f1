/**
 * The failure types runbooks decide on, each named once: retry policies list the final ones,
 * workflows match on them, activities throw errors named after them and workflows throw them.
 * A misspelt name is then a compile error, not a failure silently retried or never matched;
 * test/unit/failure-types.test.ts fails on any of these names written as a string elsewhere.
 * Imports nothing, so workflow code may import it. Which of Flink's, the spec's, the probes' and
 * the alerts' types are final is listed beside their errors (flink/errors.ts, config/errors.ts,
 * probes/error-types.ts, alerts/types.ts), from these names.
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

  // Flink's REST API (flink/errors.ts): the first three are worth retrying.
  FlinkUnreachable: 'FlinkUnreachable',
  FlinkNoLeader: 'FlinkNoLeader',
  FlinkServerError: 'FlinkServerError',
  FlinkBadRequest: 'FlinkBadRequest',
  FlinkNotFound: 'FlinkNotFound',
  FlinkRequestRejected: 'FlinkRequestRejected',
  FlinkUnauthorized: 'FlinkUnauthorized',
  FlinkTlsFailed: 'FlinkTlsFailed',
  FlinkAccessUnavailable: 'FlinkAccessUnavailable',

  // The spec and what the worker allows (config/errors.ts, trust/): no retry fixes them.
  InvalidClusterSpec: 'InvalidClusterSpec',
  UnknownCluster: 'UnknownCluster',
  /** Also thrown by workflows for a job the cluster spec does not name. */
  UnknownJob: 'UnknownJob',
  ClustersFileUnreadable: 'ClustersFileUnreadable',
  InlineSpecRefused: 'InlineSpecRefused',
  UntrustedSpec: 'UntrustedSpec',
  ReportDirRefused: 'ReportDirRefused',
  SecretUnavailable: 'SecretUnavailable',

  // Source probes (probes/errors.ts): only ProbeUnavailable is worth retrying.
  ProbeUnavailable: 'ProbeUnavailable',
  ProbeFailed: 'ProbeFailed',
  ProbeNotCaptured: 'ProbeNotCaptured',

  /** An alert that cannot be rendered (alerts/schema.ts). */
  InvalidAlert: 'InvalidAlert',

  // Thrown by workflows.
  InvalidInput: 'InvalidInput',
  NoRunningJob: 'NoRunningJob',
  /** A restart found no checkpoint or savepoint to restore from. */
  NoRestorePoint: 'NoRestorePoint',
  /** Another live job of the same name: one job per name. */
  StrayJob: 'StrayJob',
  DrillRefused: 'DrillRefused',
  LeaseFailed: 'LeaseFailed',
  HousekeepingRefused: 'HousekeepingRefused',
  /** The upgrade's precheck found a problem; nothing was changed. */
  PrecheckFailed: 'PrecheckFailed',
  /** The upgraded job is not healthy and the old one runs again. */
  UpgradeFailed: 'UpgradeFailed',
  /** The upgrade failed and so did bringing the old job back. */
  RollbackFailed: 'RollbackFailed',
  DeployPrecheckFailed: 'DeployPrecheckFailed',
  DeployVerifyFailed: 'DeployVerifyFailed',
  DeployStepFailed: 'DeployStepFailed',
} as const;

export type FailureType = (typeof FAILURE)[keyof typeof FAILURE];
