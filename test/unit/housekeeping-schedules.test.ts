import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { maintenanceScheduleOptions } from '../../src/cli/housekeeping-schedules';

beforeAll(() => {
  process.env.FLINK_RUNBOOKS_CLUSTERS = fileURLToPath(
    new URL('../../examples/clusters.yaml', import.meta.url),
  );
});

const options = { cluster: 'realtime-pipeline', taskQueue: 'flink-runbooks' };

describe('schedule maintenance <cluster>', () => {
  it('makes a daily housekeeping and a daily check of the cluster, overlap skip', async () => {
    const [housekeeping, check] = await maintenanceScheduleOptions(options);
    expect(housekeeping).toMatchObject({
      scheduleId: 'housekeeping:realtime-pipeline',
      spec: { intervals: [{ every: 86_400_000 }] },
      action: {
        type: 'startWorkflow',
        workflowType: 'housekeeping',
        args: [{ cluster: 'realtime-pipeline' }],
        taskQueue: 'flink-runbooks',
        workflowId: 'housekeeping:realtime-pipeline',
      },
      policies: { overlap: 'SKIP' },
      state: { paused: false, note: 'housekeeping of realtime-pipeline' },
    });
    expect(check).toMatchObject({
      scheduleId: 'daily-check:realtime-pipeline',
      action: { workflowType: 'dailyCheck', args: [{ cluster: 'realtime-pipeline' }] },
    });
  });

  it('takes an interval or a cron rule, and a dry run for housekeeping only', async () => {
    const [h, c] = await maintenanceScheduleOptions({
      ...options,
      cron: '0 4 * * *',
      dryRun: true,
      paused: true,
    });
    expect(h?.spec).toEqual({ cronExpressions: ['0 4 * * *'] });
    expect(h?.action).toMatchObject({ args: [{ cluster: 'realtime-pipeline', dryRun: true }] });
    expect(c?.action).toMatchObject({ args: [{ cluster: 'realtime-pipeline' }] });
    expect(h?.state?.paused).toBe(true);
    const [twice] = await maintenanceScheduleOptions({ ...options, every: '12h' });
    expect(twice?.spec).toEqual({ intervals: [{ every: 43_200_000 }] });
  });

  it.each([
    [{ every: '1d', cron: '0 4 * * *' }, /at most one of --every .* or --cron/],
    [{ every: '10s' }, /--every "10s" is not a duration of at least 1m/],
    [{ every: 'daily' }, /--every "daily" is not a duration/],
    [{ cluster: 'nope' }, /unknown cluster "nope"/],
  ])('refuses %j before anything is created', async (change, message) => {
    await expect(maintenanceScheduleOptions({ ...options, ...change })).rejects.toThrow(message);
  });
});
