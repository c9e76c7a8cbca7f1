import { readFileSync } from 'node:fs';
import { docker } from '../../src/docker/engine';

/** CPU time of the other processes in a measurement: Linux /proc and the Docker engine's counters. */
const CLK_TCK = 100; // USER_HZ on Linux; `getconf CLK_TCK`

/** User + system CPU of one process (all its threads), in ms. */
export function processCpuMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    return ((utime + stime) * 1000) / CLK_TCK;
  } catch {
    return undefined;
  }
}

export function processRssBytes(pid: number): number | undefined {
  try {
    const line = readFileSync(`/proc/${pid}/status`, 'utf8')
      .split('\n')
      .find((l) => l.startsWith('VmRSS:'));
    return line ? Number(line.replace(/\D+/g, '')) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Busy and total CPU time of the whole machine (all cores), in ms. */
export function machineCpuMs(): { busy: number; total: number } {
  const first = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  const values = first.trim().split(/\s+/).slice(1).map(Number);
  const total = values.reduce((a, b) => a + b, 0);
  const idle = (values[3] ?? 0) + (values[4] ?? 0);
  return { busy: ((total - idle) * 1000) / CLK_TCK, total: (total * 1000) / CLK_TCK };
}

/** Total CPU a container used since it started (the engine's cgroup counter), in ms. */
export async function containerCpuMs(name: string): Promise<number | undefined> {
  try {
    const stats = (await docker().getContainer(name).stats({ stream: false })) as {
      cpu_stats?: { cpu_usage?: { total_usage?: number } };
    };
    const ns = stats.cpu_stats?.cpu_usage?.total_usage;
    return ns === undefined ? undefined : ns / 1e6;
  } catch {
    return undefined;
  }
}
