import type { CheckpointObservation } from '../activities/flink';
import type { JobSpec } from '../config/schema';
import { SET_RETENTION } from './checkpoint-retention';
import type { HaAgreement } from './ha-agreement';

/**
 * Pure: the seeds' post-deploy checklist ("部署后验证") as findings. Each finding says what was
 * checked and what was seen; a deploy passes verify when no finding fails. Warnings are shown
 * and do not fail it.
 */
export interface Finding {
  check: string;
  ok: boolean;
  detail: string;
  /** Worth a look, not a failure. */
  warning?: boolean;
}

export interface ClusterCheckObservation {
  jobManagers: Array<{ url: string; state: string; error?: string }>;
  taskManagers: { registered: number; expected: number };
  ha: HaAgreement;
  job: { jobId: string; state: string };
}

export function clusterFindings(seen: ClusterCheckObservation): Finding[] {
  const down = seen.jobManagers.filter((jm) => jm.state !== 'up');
  const { registered, expected } = seen.taskManagers;
  return [
    {
      check: 'JobManagers answer',
      ok: down.length === 0,
      detail:
        down.length === 0
          ? `${seen.jobManagers.length}/${seen.jobManagers.length} answer`
          : down.map((jm) => `${jm.url} ${jm.state}${jm.error ? ` (${jm.error})` : ''}`).join('; '),
    },
    {
      check: 'TaskManagers registered',
      ok: registered === expected,
      detail: `${registered}/${expected} registered`,
    },
    {
      check: 'HA settings identical',
      ok: seen.ha.agree,
      detail: seen.ha.agree
        ? `${seen.ha.read.length} JobManagers agree`
        : [
            ...seen.ha.differences.map(
              (d) =>
                `${d.key}: ${Object.entries(d.values)
                  .map(([url, v]) => `${url}=${v ?? '(unset)'}`)
                  .join(', ')}`,
            ),
            ...seen.ha.unread.map((u) => `${u.url} unread: ${u.error}`),
          ].join('; '),
    },
    {
      check: 'job RUNNING',
      ok: seen.job.state === 'RUNNING',
      detail: `job ${seen.job.jobId} is ${seen.job.state}`,
    },
  ];
}

const ms = (value: number) => (value % 1000 === 0 ? `${value / 1000}s` : `${value}ms`);

/** The job's own checkpoint settings against those the spec expects (the monitor's zombie window uses them). */
export function checkpointConfigFindings(
  expected: JobSpec['checkpoints'],
  actual: CheckpointObservation['config'],
  /** The monitor restarts this job: checkpoints a cancel deletes are a failure, not a warning. */
  options: { retentionRequired?: boolean } = {},
): Finding[] {
  const drift: string[] = [];
  const compare = (name: string, want: number, got: number | undefined) => {
    if (got !== undefined && got !== want) drift.push(`${name} ${ms(got)} (spec: ${ms(want)})`);
  };
  compare('interval', expected.interval, actual.intervalMs);
  compare('timeout', expected.timeout, actual.timeoutMs);
  compare('minPause', expected.minPause, actual.minPauseMs);
  if (actual.tolerableFailures !== undefined && actual.tolerableFailures !== expected.tolerableFailures)
    drift.push(`tolerableFailures ${actual.tolerableFailures} (spec: ${expected.tolerableFailures})`);
  const findings: Finding[] = [
    {
      check: 'checkpoint settings',
      ok: true,
      warning: drift.length > 0,
      detail: drift.length > 0 ? `the job runs with ${drift.join(', ')}` : 'as the spec expects',
    },
  ];
  if (actual.retainedOnCancel === false && options.retentionRequired)
    findings.push({
      check: 'checkpoints retained',
      ok: false,
      detail: `checkpoints are deleted when the job is cancelled, so the monitor could not restart it without losing state; ${SET_RETENTION}`,
    });
  else if (actual.retainedOnCancel === false)
    findings.push({
      check: 'checkpoints retained',
      ok: true,
      warning: true,
      detail: 'checkpoints are deleted when the job is cancelled (RETAIN_ON_CANCELLATION is off)',
    });
  return findings;
}

export function findingLine(f: Finding): string {
  return `${f.ok ? (f.warning ? 'warning' : 'ok') : 'FAILED'}: ${f.check}: ${f.detail}`;
}
