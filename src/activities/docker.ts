import type { PlannedContainer } from '../docker/container-plan';
import { type Adapters, standardAdapters } from './adapters';

/**
 * Docker activities: each is one engine call, idempotent (starting a running container or
 * stopping a stopped one is a no-op that says so), returning a small plain result.
 */
export function dockerActivities({ docker }: Pick<Adapters, 'docker'>) {
  return {
    inspectContainer: (input: { container: string }) => docker.inspectContainer(input.container),
    startContainer: (input: { container: string }) => docker.startContainer(input.container),
    stopContainer: (input: { container: string; timeoutSeconds?: number }) =>
      docker.stopContainer(input.container, input.timeoutSeconds ?? 30),
    killContainer: (input: { container: string; signal?: string }) =>
      docker.killContainer(input.container, input.signal),

    async restartContainer(input: { container: string; timeoutSeconds?: number }) {
      await docker.stopContainer(input.container, input.timeoutSeconds ?? 30);
      return docker.startContainer(input.container);
    },

    /** Creates a container from a plan unless one of that name exists (then reports it as found). */
    async createContainer(input: { plan: PlannedContainer }): Promise<{ created: boolean }> {
      return { created: await docker.createContainer(input.plan) };
    },

    async execInContainer(input: { container: string; cmd: string[] }) {
      const result = await docker.execInContainer(input.container, input.cmd);
      return {
        exitCode: result.exitCode,
        stdout: result.stdout.slice(-10_000),
        stderr: result.stderr.slice(-10_000),
      };
    },

    /**
     * The seeds' troubleshooting step, `docker logs <c> --tail 100 | grep -i error`: the matching
     * lines of the last `tail` lines (at most `maxLines` of them, newest last).
     */
    async grepContainerLogs(input: {
      container: string;
      tail?: number;
      pattern?: string;
      maxLines?: number;
    }): Promise<{ matched: string[]; scanned: number }> {
      const lines = (await docker.containerLogs(input.container, input.tail ?? 100))
        .split('\n')
        .filter((l) => l !== '');
      const pattern = new RegExp(input.pattern ?? 'error|exception', 'i');
      const matched = lines.filter((l) => pattern.test(l));
      return { matched: matched.slice(-(input.maxLines ?? 50)), scanned: lines.length };
    },
  };
}

export const {
  inspectContainer,
  startContainer,
  stopContainer,
  killContainer,
  restartContainer,
  createContainer,
  execInContainer,
  grepContainerLogs,
} = dockerActivities(standardAdapters);
