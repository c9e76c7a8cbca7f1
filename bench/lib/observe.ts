import { listOutput } from '../../src/output/files';
import { checkSequence, type Range } from '../../src/output/sequence';
import { pollUntil, sleep } from '../../src/util/poll';
import { type BenchSandbox, committedRows, setFault } from './bench-sandbox';

/**
 * The benchmark's own eyes, the same for both sides of every comparison: when is the job healthy
 * again, and what did the output get. Times come from Flink (job and checkpoint timestamps) and
 * from the files' modification times, not from when this poll happened to look.
 */
export interface HealthyAgain {
  jobId: string;
  /** Flink's RUNNING timestamp of the new job. */
  runningAt: number;
  /** Its first completed checkpoint (acknowledged). */
  checkpointAt: number;
  /** Its first committed output file. */
  outputAt: number;
  /** The latest of the three: RUNNING, a checkpoint of its own, new output. */
  at: number;
}

/**
 * `jobName` limits the search to jobs of that name, for a cluster that runs more than one job
 * (the side-by-side benchmarks); any cluster with a REST client and an output folder will do.
 */
export async function waitHealthyAgain(
  sb: Pick<BenchSandbox, 'rest' | 'outputDir'>,
  oldJobId: string,
  timeoutMs: number,
  jobName?: string,
): Promise<HealthyAgain> {
  return pollUntil(
    async () => {
      const jobs = await sb.rest.call((c) => c.jobsOverview());
      const fresh = jobs
        .filter((j) => j.jid !== oldJobId && j.state === 'RUNNING')
        .filter((j) => jobName === undefined || j.name === jobName)
        .sort((a, b) => b['start-time'] - a['start-time'])[0];
      if (!fresh) return undefined;
      const [job, cps, output] = await Promise.all([
        sb.rest.call((c) => c.job(fresh.jid)),
        sb.rest.call((c) => c.checkpoints(fresh.jid)),
        listOutput(sb.outputDir),
      ]);
      const completed = cps.history
        .filter((h) => h.status === 'COMPLETED')
        .map((h) => h.latest_ack_timestamp ?? h.trigger_timestamp);
      const firstCheckpoint = completed.length > 0 ? Math.min(...completed) : undefined;
      const start = job['start-time'];
      const newFiles = output.committed.filter((f) => f.mtimeMs > start).map((f) => f.mtimeMs);
      const firstOutput = newFiles.length > 0 ? Math.min(...newFiles) : undefined;
      if (firstCheckpoint === undefined || firstOutput === undefined) return undefined;
      const runningAt = job.timestamps.RUNNING ?? start;
      return {
        jobId: fresh.jid,
        runningAt,
        checkpointAt: firstCheckpoint,
        outputAt: Math.round(firstOutput),
        at: Math.round(Math.max(runningAt, firstCheckpoint, firstOutput)),
      };
    },
    {
      timeoutMs,
      intervalMs: 250,
      what: `a new job RUNNING with a checkpoint and new output (after ${oldJobId})`,
    },
  );
}

/**
 * The stall imitates a hung source connection: it belongs to the stalled job, and a restarted
 * job does not have it (the seeds restart exactly to get a fresh connection). So the knob goes
 * back to `none` the moment the stalled job leaves RUNNING, whoever stopped it. Returns when.
 */
export function liftStallWhenStopped(
  sb: BenchSandbox,
  jobId: string,
): { done: Promise<number>; stop(): void } {
  let stopped = false;
  const done = (async () => {
    while (!stopped) {
      const state = await sb.rest
        .call((c) => c.job(jobId))
        .then((j) => j.state)
        .catch(() => 'RUNNING');
      if (state !== 'RUNNING') {
        setFault(sb, 'none');
        return Date.now();
      }
      await sleep(100);
    }
    return Number.NaN;
  })();
  return {
    done,
    stop: () => {
      stopped = true;
    },
  };
}

const size = (ranges: Range[]) => ranges.reduce((n, [from, to]) => n + (to - from + 1), 0);

/** Rows as the sequence check sees them: counts of lost (gaps) and duplicated sequence numbers. */
export async function sequenceFigures(sb: BenchSandbox) {
  const rows = await committedRows(sb);
  const report = checkSequence(rows.map((r) => Number(r[0])));
  return {
    rows: report.rows,
    distinct: report.distinct,
    lost: size(report.gaps),
    duplicated: size(report.duplicates),
    gaps: report.gaps.slice(0, 5),
    duplicates: report.duplicates.slice(0, 5),
    first: report.first,
    last: report.last,
  };
}
