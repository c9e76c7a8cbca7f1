/** The parts of Flink's REST responses (1.20; 2.x where it differs) that the runbooks read. */

export interface ClusterOverview {
  'flink-version': string;
  'flink-commit'?: string;
  taskmanagers: number;
  'slots-total': number;
  'slots-available': number;
  'jobs-running': number;
  'jobs-finished': number;
  'jobs-cancelled': number;
  'jobs-failed': number;
}

export type JobState =
  | 'INITIALIZING'
  | 'CREATED'
  | 'RUNNING'
  | 'FAILING'
  | 'FAILED'
  | 'CANCELLING'
  | 'CANCELED'
  | 'FINISHED'
  | 'RESTARTING'
  | 'SUSPENDED'
  | 'RECONCILING';

export interface JobOverview {
  jid: string;
  name: string;
  state: JobState;
  'start-time': number;
  'end-time': number;
  duration: number;
  'last-modification': number;
  /** Flink 2: e.g. STREAMING, and the scheduler (Default, Adaptive, ...). */
  jobType?: string;
  schedulerType?: string;
}

export interface JobDetails {
  jid: string;
  name: string;
  state: JobState;
  'start-time': number;
  'end-time': number;
  duration: number;
  now: number;
  timestamps: Partial<Record<JobState, number>>;
  vertices: Array<{ id: string; name: string; parallelism: number; status: string }>;
  /** Flink 2: the application the job belongs to (the job id for a job run from a jar). */
  'application-id'?: string;
}

export interface CheckpointSummary {
  id: number;
  status: 'IN_PROGRESS' | 'COMPLETED' | 'FAILED';
  is_savepoint: boolean;
  trigger_timestamp: number;
  latest_ack_timestamp?: number;
  external_path?: string;
  failure_timestamp?: number;
  failure_message?: string;
  /** ms from trigger to the last acknowledgement (completed) or so far (in progress). */
  end_to_end_duration?: number;
}

export interface CheckpointingStatistics {
  counts: { restored: number; total: number; in_progress: number; completed: number; failed: number };
  latest: {
    completed: CheckpointSummary | null;
    savepoint: CheckpointSummary | null;
    failed: CheckpointSummary | null;
    restored: { id: number; restore_timestamp: number; is_savepoint: boolean; external_path?: string } | null;
  };
  history: CheckpointSummary[];
}

export interface JarRunRequest {
  entryClass?: string;
  programArgsList?: string[];
  parallelism?: number;
  savepointPath?: string;
  allowNonRestoredState?: boolean;
  /**
   * Who owns the restored snapshot: CLAIM, NO_CLAIM or LEGACY (deprecated). `claimMode` is the
   * field both 1.20 and 2.x read; 2.x still reads the older `restoreMode` but warns.
   */
  claimMode?: 'CLAIM' | 'NO_CLAIM' | 'LEGACY';
  jobId?: string;
}

/** GET /jobs/:id/checkpoints/config (1.20 field names; 2.x keeps these). */
export interface CheckpointConfig {
  mode: string;
  interval: number;
  timeout: number;
  min_pause: number;
  max_concurrent: number;
  tolerable_failed_checkpoints?: number;
  externalization?: { enabled: boolean; delete_on_cancellation: boolean };
  unaligned_checkpoints?: boolean;
}

/** GET /jobs/:id/savepoints/:triggerId and GET /jobs/:id/stop status. */
export interface AsyncOperationStatus {
  status: { id: 'IN_PROGRESS' | 'COMPLETED' };
  operation?: {
    location?: string;
    'failure-cause'?: { class?: string; 'stack-trace'?: string; 'serialized-throwable'?: string };
  };
}

/** Flink 2 answers only `exceptionHistory`; read it with latestFailure. */
export interface JobExceptions {
  /** Flink 1.x only. */
  'root-exception'?: string | null;
  /** Flink 1.x only. */
  timestamp?: number | null;
  exceptionHistory?: {
    entries: Array<{
      exceptionName: string;
      stacktrace: string;
      timestamp: number;
      taskName?: string | null;
    }>;
    truncated: boolean;
  };
}

export interface TaskManagerInfo {
  id: string;
  path: string;
  dataPort: number;
  timeSinceLastHeartbeat: number;
  slotsNumber: number;
  freeSlots: number;
}

export interface JarInfo {
  id: string;
  name: string;
  uploaded: number;
  entry: Array<{ name: string; description: string | null }>;
}

export type MetricValue = {
  id: string;
  value?: string;
  sum?: number;
  min?: number;
  max?: number;
  avg?: number;
};
