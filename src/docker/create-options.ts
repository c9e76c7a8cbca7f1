import type Docker from 'dockerode';
import { HOUSEKEEPING_DEFAULTS } from '../config/disk-schema';
import type { PlannedContainer } from './container-plan';

/**
 * Pure: what the engine is asked for when a planned container is created. Docker keeps a
 * container's stdout and stderr without a limit by default; every container the runbooks create
 * gets json-file limits (size of one file, how many are kept), so logs cannot fill the disk.
 */
export function containerCreateOptions(plan: PlannedContainer): Docker.ContainerCreateOptions {
  const logs = plan.logs ?? HOUSEKEEPING_DEFAULTS.dockerLogs;
  return {
    name: plan.name,
    Image: plan.image,
    Cmd: plan.cmd.length > 0 ? plan.cmd : undefined,
    Env: Object.entries(plan.env).map(([k, v]) => `${k}=${v}`),
    Labels: plan.labels,
    HostConfig: {
      NetworkMode: 'host',
      Binds: plan.binds,
      Init: true,
      LogConfig: {
        Type: 'json-file',
        Config: { 'max-size': logs.maxSize, 'max-file': String(logs.maxFiles) },
      },
    },
  };
}
