import type { CheckpointObservation } from '../../src/activities/flink';
import type { NamedCluster } from '../../src/config/schema';
import type { JobState } from '../../src/flink/types';
import { type Fakes, typedError } from './fake-activities';
import { AlertInbox } from './monitor-fakes';

/**
 * A Flink cluster in memory for the maintenance runbooks (upgrade, savepoint): jobs that run,
 * stop with a savepoint, cancel, get submitted from a savepoint and checkpoint. Times come from
 * the test server's clock (`now`), which the workflows see, not from the machine's.
 */
export interface FakeJob {
  jobId: string;
  name: string;
  state: JobState;
  jar: string;
  restoredFrom?: string;
  submittedAt: number;
  /** The job fails as soon as it runs (an upgrade's bad jar). */
  broken?: boolean;
}

export class FakeFlink {
  readonly jobs = new Map<string, FakeJob>();
  readonly inbox = new AlertInbox();
  savepoints = 0;

  constructor(
    readonly cluster: NamedCluster,
    readonly now: () => Promise<number>,
  ) {}

  /** A job already running when the runbook starts. */
  running(jobId: string, jar = '/opt/jars/pipeline-1.jar'): this {
    this.jobs.set(jobId, { jobId, name: 'pipeline', state: 'RUNNING', jar, submittedAt: 0 });
    return this;
  }

  /** Jobs submitted from a jar for which this returns true fail at once. */
  breaks: (jar: string) => boolean = () => false;

  job(jobId: string): FakeJob {
    const job = this.jobs.get(jobId);
    if (!job) throw typedError('FlinkNotFound', `job ${jobId} not found`);
    return job;
  }

  submitted(): FakeJob[] {
    return [...this.jobs.values()].filter((j) => j.submittedAt > 0);
  }

  private async checkpoints(jobId: string): Promise<CheckpointObservation> {
    const job = this.job(jobId);
    const at = await this.now();
    const running = job.state === 'RUNNING';
    return {
      counts: { completed: running ? 2 : 0, failed: 0, inProgress: 0, restored: job.restoredFrom ? 1 : 0 },
      latestCompleted: running
        ? { id: 7, completedAt: at, path: `file:///data/checkpoints/${jobId}/chk-7`, isSavepoint: false }
        : undefined,
      restoredFrom: job.restoredFrom ? { id: 5, path: job.restoredFrom, isSavepoint: true } : undefined,
      config: { intervalMs: 10_000, timeoutMs: 60_000, minPauseMs: 0, retainedOnCancel: true },
      observedAt: at,
    };
  }

  fakes(overrides: Fakes = {}): Fakes {
    return {
      resolveCluster: (ref) => ({ ...this.cluster, name: ref.cluster }),
      resolveClusterJob: (ref) => ({
        cluster: { ...this.cluster, name: ref.cluster },
        job: this.cluster.jobs[0] as never,
      }),
      listJobs: () =>
        [...this.jobs.values()].map((j) => ({
          jobId: j.jobId,
          name: j.name,
          state: j.state,
          startTime: j.submittedAt,
        })),
      probeJobManagers: (jobManagers) =>
        jobManagers.map((jm) => ({
          role: jm.role,
          url: jm.url,
          container: jm.container,
          state: 'up' as const,
          taskManagers: this.cluster.taskManagers.containers.length,
          slotsTotal: 4,
        })),
      inspectJar: ({ jar, entryClass }) => ({
        path: jar,
        entryClass,
        readable: true,
        isJar: true,
        hasEntryClass: !jar.includes('no-entry'),
      }),
      planJob: () => ({ ok: true }),
      checkSavepointDir: ({ savepointDir }) => ({
        uri: savepointDir,
        checks: [{ where: 'the worker host', ok: true }],
      }),
      latestRestorePoint: async ({ jobId }) => ({
        restorePoint: {
          id: 7,
          path: `file:///data/checkpoints/${jobId}/chk-7`,
          isSavepoint: false,
          completedAt: await this.now(),
        },
        retainedOnCancel: true,
      }),
      acquireMaintenanceLease: () => ({ granted: true, monitor: 'no-monitor' }),
      releaseMaintenanceLease: () => ({ released: false }),
      stopWithSavepoint: ({ triggerId }) => {
        this.stopping.add(triggerId);
        return { triggerId };
      },
      triggerSavepoint: ({ triggerId }) => ({ triggerId }),
      waitForSavepoint: ({ jobId, triggerId }) => {
        this.savepoints++;
        const job = this.job(jobId);
        // A stop-with-savepoint ends the job; a plain savepoint (takeSavepoint) leaves it running.
        if (this.stopping.has(triggerId)) job.state = 'FINISHED';
        return { location: `file:///data/savepoints/savepoint-${jobId.slice(0, 6)}-${this.savepoints}` };
      },
      waitForJobState: ({ jobId, states }) => {
        const state = this.job(jobId).state;
        if (!states.includes(state))
          throw typedError('WaitTimeout', `job ${jobId} is ${state}, not ${states.join('/')}`);
        return { state, waitedMs: 1 };
      },
      getJobState: ({ jobId }) => this.jobs.get(jobId)?.state ?? 'MISSING',
      cancelJob: ({ jobId }) => {
        const job = this.job(jobId);
        const state = job.state;
        job.state = 'CANCELED';
        return { cancelled: true, state };
      },
      submitJob: async ({ jobId, jar, savepointPath }) => {
        if (this.jobs.has(jobId)) return { jobId, alreadySubmitted: true };
        const broken = this.breaks(jar);
        this.jobs.set(jobId, {
          jobId,
          name: 'pipeline',
          state: broken ? 'FAILED' : 'RUNNING',
          jar,
          restoredFrom: savepointPath,
          submittedAt: await this.now(),
          broken,
        });
        return { jobId, alreadySubmitted: false };
      },
      observeCheckpoints: ({ jobId }) => this.checkpoints(jobId),
      recentExceptions: async ({ jobId }) =>
        this.job(jobId).broken
          ? [
              {
                name: 'java.lang.IllegalStateException',
                at: await this.now(),
                firstLine: 'bad jar: state mismatch',
              },
            ]
          : [],
      sendAlert: this.inbox.sendAlert,
      ...overrides,
    };
  }

  /** Trigger ids of stop-with-savepoint calls (as opposed to plain savepoints). */
  readonly stopping = new Set<string>();
}
