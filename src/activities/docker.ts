import type { PlannedContainer } from '../docker/container-plan';
import * as engine from '../docker/engine';

/**
 * Docker activities: each is one engine call, idempotent (starting a running container or
 * stopping a stopped one is a no-op that says so), returning a small plain result.
 */
export const inspectContainer = (input: { container: string }) => engine.inspectContainer(input.container);
export const startContainer = (input: { container: string }) => engine.startContainer(input.container);
export const stopContainer = (input: { container: string; timeoutSeconds?: number }) =>
  engine.stopContainer(input.container, input.timeoutSeconds ?? 30);
export const killContainer = (input: { container: string; signal?: string }) =>
  engine.killContainer(input.container, input.signal);

export async function restartContainer(input: { container: string; timeoutSeconds?: number }) {
  await engine.stopContainer(input.container, input.timeoutSeconds ?? 30);
  return engine.startContainer(input.container);
}

/** Creates a container from a plan unless one of that name exists (then reports it as found). */
export async function createContainer(input: { plan: PlannedContainer }): Promise<{ created: boolean }> {
  return { created: await engine.createContainer(input.plan) };
}

export async function execInContainer(input: { container: string; cmd: string[] }) {
  const result = await engine.execInContainer(input.container, input.cmd);
  return {
    exitCode: result.exitCode,
    stdout: result.stdout.slice(-10_000),
    stderr: result.stderr.slice(-10_000),
  };
}

/**
 * The seeds' troubleshooting step, `docker logs <c> --tail 100 | grep -i error`: the matching
 * lines of the last `tail` lines (at most `maxLines` of them, newest last).
 */
export async function grepContainerLogs(input: {
  container: string;
  tail?: number;
  pattern?: string;
  maxLines?: number;
}): Promise<{ matched: string[]; scanned: number }> {
  const lines = (await engine.containerLogs(input.container, input.tail ?? 100))
    .split('\n')
    .filter((l) => l !== '');
  const pattern = new RegExp(input.pattern ?? 'error|exception', 'i');
  const matched = lines.filter((l) => pattern.test(l));
  return { matched: matched.slice(-(input.maxLines ?? 50)), scanned: lines.length };
}
