import type { JobSpec } from '../config/schema';
import type { SourceSpec } from '../config/source-schema';
import type { HealthSettings } from '../policy/health';
import type { CanaryState, JobObservation } from '../policy/monitor-state';
import { NEW_TRACK, type SourceSettings, type SourceTrack, trackSource } from '../policy/source-liveness';
import type { SourceAdapters } from '../sources';
import { canaryInOutput, newCanary } from '../sources/canary';

/**
 * What a watch hands to the next one of the same job: a watch returns whenever its verdict
 * changes, and starting afresh each time would forget since when the source has been silent.
 */
export interface WatchMemory {
  jobId: string;
  track: SourceTrack;
  canary?: CanaryState;
  records?: { total: number; since: number };
}

/**
 * What the watch remembers between its looks at a job's CDC source: the liveness tracker, the
 * outstanding canary, and since when the source's record count has not moved. One per watch
 * activity, carried to the next watch of the same job id (`remember`, `recall`).
 */
export class SourceWatch {
  private track: SourceTrack = NEW_TRACK;
  private canary?: CanaryState;
  private jobId?: string;
  private records?: { total: number; since: number };

  constructor(
    private readonly source: SourceSpec | undefined,
    private readonly output: JobSpec['output'],
    private readonly adapters: SourceAdapters,
    /** Called between steps that may each take a query timeout: the activity heartbeats. */
    private readonly beat: () => void = () => undefined,
  ) {}

  /** What the next watch of this job should start from. */
  remember(jobId: string | undefined): WatchMemory | undefined {
    if (jobId === undefined) return undefined;
    const memory: WatchMemory = { jobId, track: this.track };
    if (this.canary) memory.canary = { ...this.canary };
    if (this.records) memory.records = { ...this.records };
    return memory;
  }

  /** Starts from the previous watch's memory when it is about the same job; else afresh. */
  recall(memory: WatchMemory | undefined, jobId: string | undefined): void {
    if (!memory || jobId === undefined || memory.jobId !== jobId) return;
    this.jobId = jobId;
    this.track = memory.track;
    this.canary = memory.canary && { ...memory.canary };
    this.records = memory.records && { ...memory.records };
  }

  /** Health settings for this source, given the job's checkpoint interval. */
  settings(fileWindowMs: number, checkpointIntervalMs: number | undefined): HealthSettings {
    const source = this.source;
    if (!source) return { fileWindowMs };
    // Flink CDC confirms a change only after a few further checkpoints complete.
    const delay = source.type === 'postgres' ? source.commitDelayCheckpoints : 3;
    return {
      fileWindowMs,
      source: {
        deadAfterMs: source.deadAfter,
        deliveryAllowanceMs: (delay + 1) * (checkpointIntervalMs ?? 30_000) + source.deadAfter,
      },
    };
  }

  /** How long the source vertex's numRecordsOut has stood still, across looks. */
  recordsFlatFor(total: number | undefined, at: number): number | undefined {
    if (total === undefined) return undefined;
    if (this.records?.total !== total) this.records = { total, since: at };
    return at - this.records.since;
  }

  /** Asks the source and handles the canary; adds what it learned to the observation. */
  async look(observation: JobObservation): Promise<void> {
    const source = this.source;
    if (!source || observation.jobState !== 'RUNNING') return;
    if (observation.jobId !== this.jobId) {
      this.jobId = observation.jobId;
      this.canary = undefined;
    }
    const reading = await this.adapters.observe(source);
    const settings = this.settings(0, observation.checkpoints?.intervalMs).source as SourceSettings;
    const { track, evidence } = trackSource(this.track, reading, settings);
    this.track = track;
    observation.source = evidence;
    this.beat();
    await this.tendCanary(observation);
    // An arrival speaks for the quiet time after it, not for ever.
    const canary = this.canary;
    const fresh =
      canary?.arrivedAt === undefined || Date.now() - canary.arrivedAt <= (source.canary?.quietTime ?? 0);
    if (canary && fresh) observation.canary = { ...canary };
  }

  private async tendCanary(observation: JobObservation): Promise<void> {
    const spec = this.source?.canary;
    const output = this.output;
    // The canary is looked for in committed files on the worker's file system.
    if (!spec || !output || output.container || observation.output?.error !== undefined) return;
    // A database that cannot be asked cannot take a canary either; the reading says why.
    if (observation.source?.unreachable) return;
    const now = Date.now();
    if (this.canary && this.canary.arrivedAt === undefined) {
      const found = await canaryInOutput(output, this.canary.marker, this.canary.writtenAt).catch(
        () => false,
      );
      if (found) this.canary.arrivedAt = now;
      return;
    }
    const quietFor = observation.output?.newestAgeMs ?? observation.runningForMs ?? 0;
    if (quietFor < spec.quietTime) return;
    const canary = newCanary(now);
    try {
      await this.adapters.writeCanary(this.source as SourceSpec, canary);
      this.canary = { marker: canary.marker, writtenAt: now, slaMs: spec.sla };
    } catch {
      // A canary that cannot be written says the source cannot be asked; the reading says so too.
    }
  }
}
