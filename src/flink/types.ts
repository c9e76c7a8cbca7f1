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
  /** Flink 1.20: CLAIM, NO_CLAIM or LEGACY. */
  restoreMode?: 'CLAIM' | 'NO_CLAIM' | 'LEGACY';
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

export interface JobExceptions {
  'root-exception'?: string | null;
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
