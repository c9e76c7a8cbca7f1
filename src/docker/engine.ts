import Docker from 'dockerode';
import { FAILURE } from '../temporal/failure-types';
import type { PlannedContainer } from './container-plan';
import { containerCreateOptions } from './create-options';

/** The worker's own engine, one per process: DOCKER_HOST when set, else the default socket (dockerode's rules). */
let shared: Docker | undefined;
export function docker(): Docker {
  shared ??= new Docker();
  return shared;
}

export class ContainerNotFoundError extends Error {
  override name = FAILURE.ContainerNotFound;
}

export interface ContainerState {
  name: string;
  exists: boolean;
  running: boolean;
  status?: string;
  image?: string;
  startedAt?: string;
  restartCount?: number;
  labels?: Record<string, string>;
  /** How a stopped container ended: its exit code, whether the kernel killed it for memory, and when. */
  exitCode?: number;
  oomKilled?: boolean;
  finishedAt?: string;
}

function isNotFound(error: unknown): boolean {
  return (error as { statusCode?: number }).statusCode === 404;
}

/**
 * The calls the runbooks make on one engine, on the client `client` returns. `onThisMachine`
 * says whether the engine's folders are on the worker's machine (a unix socket), so its data
 * root can be looked at.
 */
export function engineOn(client: () => Docker, onThisMachine: () => boolean) {
  async function inspectContainer(name: string): Promise<ContainerState> {
    try {
      const info = await client().getContainer(name).inspect();
      return {
        name,
        exists: true,
        running: info.State.Running,
        status: info.State.Status,
        image: info.Config.Image,
        startedAt: info.State.StartedAt,
        restartCount: info.RestartCount,
        labels: info.Config.Labels ?? {},
        ...(info.State.Running
          ? {}
          : {
              exitCode: info.State.ExitCode,
              oomKilled: info.State.OOMKilled,
              finishedAt: info.State.FinishedAt,
            }),
      };
    } catch (error) {
      if (isNotFound(error)) return { name, exists: false, running: false };
      throw error;
    }
  }

  async function listContainersByLabel(label: string, value: string): Promise<string[]> {
    const found = await client().listContainers({ all: true, filters: { label: [`${label}=${value}`] } });
    return found.map((c) => (c.Names[0] ?? '').replace(/^\//, ''));
  }

  /** Creates the container unless one of that name exists; returns whether it created one. */
  async function createContainer(plan: PlannedContainer): Promise<boolean> {
    if ((await inspectContainer(plan.name)).exists) return false;
    await client().createContainer(containerCreateOptions(plan));
    return true;
  }

  async function withContainer<T>(name: string, act: (c: Docker.Container) => Promise<T>): Promise<T> {
    try {
      return await act(client().getContainer(name));
    } catch (error) {
      if (isNotFound(error)) throw new ContainerNotFoundError(`no container named ${name}`);
      throw error;
    }
  }

  /** Starts a stopped container; a running one is left alone (304 from the engine). */
  async function startContainer(name: string): Promise<'started' | 'already-running'> {
    return withContainer(name, async (c) => {
      try {
        await c.start();
        return 'started';
      } catch (error) {
        if ((error as { statusCode?: number }).statusCode === 304) return 'already-running';
        throw error;
      }
    });
  }

  /** SIGTERM, then SIGKILL after `timeoutSeconds`, as `docker stop` does. */
  async function stopContainer(name: string, timeoutSeconds = 30): Promise<'stopped' | 'already-stopped'> {
    return withContainer(name, async (c) => {
      try {
        await c.stop({ t: timeoutSeconds });
        return 'stopped';
      } catch (error) {
        if ((error as { statusCode?: number }).statusCode === 304) return 'already-stopped';
        throw error;
      }
    });
  }

  async function killContainer(name: string, signal = 'SIGKILL'): Promise<'killed' | 'not-running'> {
    return withContainer(name, async (c) => {
      try {
        await c.kill({ signal });
        return 'killed';
      } catch (error) {
        if ((error as { statusCode?: number }).statusCode === 409) return 'not-running';
        throw error;
      }
    });
  }

  async function removeContainer(name: string): Promise<boolean> {
    try {
      await client().getContainer(name).remove({ force: true, v: true });
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  }

  /** The last `tail` lines of a container's stdout and stderr, as text. */
  async function containerLogs(name: string, tail = 200, sinceSeconds?: number): Promise<string> {
    return withContainer(name, async (c) => {
      const raw = (await c.logs({
        stdout: true,
        stderr: true,
        tail,
        since: sinceSeconds,
        follow: false,
      })) as Buffer;
      return demultiplex(raw);
    });
  }

  /** Runs a command in a container and returns its exit code and output. */
  async function execInContainer(
    name: string,
    cmd: string[],
  ): Promise<{ exitCode: number; stdout: string; stderr: string }> {
    return withContainer(name, async (c) => {
      const exec = await c.exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true });
      const stream = await exec.start({ hijack: true, stdin: false });
      const chunks: Buffer[] = [];
      await new Promise<void>((resolve, reject) => {
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', resolve);
        stream.on('error', reject);
      });
      const { ExitCode } = await exec.inspect();
      const { stdout, stderr } = splitStreams(Buffer.concat(chunks));
      return { exitCode: ExitCode ?? -1, stdout, stderr };
    });
  }

  async function imageExists(image: string): Promise<boolean> {
    try {
      await client().getImage(image).inspect();
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  }

  async function engineVersion(): Promise<string> {
    return (await client().version()).Version;
  }

  /**
   * Where the engine keeps images, containers and their json-file logs (`docker info`'s
   * DockerRootDir), when the engine runs on this machine; undefined for a remote engine, whose
   * folders the worker cannot look at.
   */
  async function localDataRoot(): Promise<string | undefined> {
    if (!onThisMachine()) return undefined;
    const info = (await client().info()) as { DockerRootDir?: string };
    return info.DockerRootDir || undefined;
  }

  return {
    docker: client,
    inspectContainer,
    listContainersByLabel,
    createContainer,
    withContainer,
    startContainer,
    stopContainer,
    killContainer,
    removeContainer,
    containerLogs,
    execInContainer,
    imageExists,
    engineVersion,
    localDataRoot,
  };
}

/** The calls on the worker's own engine, as every node used before nodes could name theirs. */
export const localEngine = engineOn(docker, () => {
  const host = process.env.DOCKER_HOST;
  return !host || host.startsWith('unix://');
});

export type EngineApi = ReturnType<typeof engineOn>;

export const {
  inspectContainer,
  listContainersByLabel,
  createContainer,
  withContainer,
  startContainer,
  stopContainer,
  killContainer,
  removeContainer,
  containerLogs,
  execInContainer,
  imageExists,
  engineVersion,
  localDataRoot,
} = localEngine;

/** Docker multiplexes stdout and stderr in 8-byte-header frames when there is no TTY. */
function splitStreams(raw: Buffer): { stdout: string; stderr: string; all: string } {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const all: Buffer[] = [];
  let offset = 0;
  while (offset + 8 <= raw.length) {
    const stream = raw[offset];
    const size = raw.readUInt32BE(offset + 4);
    const frame = raw.subarray(offset + 8, offset + 8 + size);
    (stream === 2 ? err : out).push(frame);
    all.push(frame);
    offset += 8 + size;
  }
  const text = (parts: Buffer[]) => Buffer.concat(parts).toString('utf8');
  return { stdout: text(out), stderr: text(err), all: text(all) };
}

function demultiplex(raw: Buffer): string {
  return splitStreams(raw).all;
}
