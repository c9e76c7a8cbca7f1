import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MonitorStatus } from '../../src/policy/monitor-state';
import { monitorJob } from '../../src/workflows';
import { monitorWorkflowId, statusQuery } from '../../src/workflows/monitor-api';
import { type FaultProxy, startFaultProxy } from '../helpers/fault-proxy';
import { resetSandbox, type Sandbox, sandbox, submitSample, waitForJobState } from '../helpers/sandbox';
import { withWorker } from '../helpers/temporal';

/**
 * The monitor watching a healthy job through REST endpoints that fail a third of the time:
 * latency past the timeouts, resets, 500s and 503s. Transient faults must never become a zombie
 * or failed verdict, and never a restart.
 */
let sb: Sandbox;
let proxies: FaultProxy[] = [];

beforeAll(async () => {
  sb = await sandbox();
  process.env.FLINK_RUNBOOKS_CLUSTERS ??= sb.file;
  await resetSandbox(sb);
  proxies = await Promise.all(sb.cluster.jobManagers.map((jm, i) => startFaultProxy(jm.url, 0.33, 7 + i)));
});

afterAll(async () => {
  await Promise.all(proxies.map((p) => p.close()));
  await resetSandbox(sb);
});

const injected = () => proxies.reduce((n, p) => n + Object.values(p.injected).reduce((a, b) => a + b, 0), 0);

describe('REST faults between the monitor and Flink', () => {
  it('over at least 100 injected faults, no false zombie or failed verdict and no restart', async () => {
    const jobId = await submitSample(sb);
    await waitForJobState(sb, jobId, ['RUNNING']);
    const { name: _name, ...cluster } = sb.cluster;
    const spec = {
      ...cluster,
      jobManagers: cluster.jobManagers.map((jm, i) => ({ ...jm, url: proxies[i]?.url })),
      monitor: { ...cluster.monitor, interval: 1_000 },
    };
    await withWorker(async ({ client, taskQueue }) => {
      const handle = await client.workflow.start(monitorJob, {
        taskQueue,
        workflowId: monitorWorkflowId(sb.cluster.name, sb.job.name),
        args: [{ cluster: sb.cluster.name, spec, jobId }],
      });
      const verdicts: string[] = [];
      const started = Date.now();
      while (injected() < 100 && Date.now() - started < 240_000) {
        await new Promise((r) => setTimeout(r, 2_000));
        const s = (await handle.query(statusQuery).catch(() => undefined)) as MonitorStatus | undefined;
        if (s && verdicts.at(-1) !== s.verdict) verdicts.push(s.verdict);
      }
      const final = (await handle.query(statusQuery)) as MonitorStatus;
      const falsePositives =
        verdicts.filter((v) => v === 'zombie' || v === 'failed').length + final.restarts.length;
      const kinds = proxies.map((p) => p.injected);
      console.log(
        `REST faults injected: ${injected()} (${JSON.stringify(kinds)}), requests forwarded: ${proxies.reduce((n, p) => n + p.forwarded, 0)}, verdicts seen: ${verdicts.join(' → ')}, false positives: ${falsePositives}`,
      );
      expect(injected()).toBeGreaterThanOrEqual(100);
      expect(falsePositives).toBe(0);
      expect(final.restarts).toEqual([]);
      expect(await sb.rest.call((c) => c.job(jobId)).then((j) => j.state)).toBe('RUNNING');
      await handle.terminate('test done');
    });
  });
});
