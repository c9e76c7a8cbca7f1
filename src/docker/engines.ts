import { readFileSync } from 'node:fs';
import Docker from 'dockerode';
import { type DockerEndpoint, endpointKey } from '../config/docker-endpoint';
import type { PlannedContainer } from './container-plan';
import { type EngineApi, engineOn, localEngine } from './engine';

/**
 * Nodes of one cluster may run on several Docker engines. The registry hands out one client per
 * endpoint, made on first use and kept; the routed engine sends every call about a container to
 * the engine that container runs on, and everything else to the worker's own engine.
 */

/** dockerode's options for an endpoint; TLS files are read with `read` (the worker's files). */
export function dockerodeOptions(
  endpoint: DockerEndpoint,
  read: (path: string) => Buffer = (path) => readFileSync(path),
  env: NodeJS.ProcessEnv = process.env,
): Docker.DockerOptions {
  const { host, tls } = endpoint;
  if (host.startsWith('unix://')) return { socketPath: host.slice('unix://'.length) };
  const tcp = /^tcp:\/\/(.*):(\d+)$/.exec(host);
  if (tcp) {
    const address = (tcp[1] as string).replace(/^\[|\]$/g, '');
    if (!tls) return { protocol: 'http', host: address, port: Number(tcp[2]) };
    return {
      protocol: 'https',
      host: address,
      port: Number(tcp[2]),
      ...(tls.ca ? { ca: read(tls.ca) } : {}),
      cert: read(tls.cert),
      key: read(tls.key),
    };
  }
  const ssh = /^ssh:\/\/(?:([^@/]*)@)?(.*?)(?::(\d+))?$/.exec(host);
  if (ssh)
    return {
      protocol: 'ssh',
      host: (ssh[2] as string).replace(/^\[|\]$/g, ''),
      port: Number(ssh[3] ?? 22),
      ...(ssh[1] ? { username: ssh[1] } : {}),
      // Keys come from the worker's SSH agent: no key or password travels in a spec.
      ...(env.SSH_AUTH_SOCK ? { sshOptions: { agent: env.SSH_AUTH_SOCK } } : {}),
    };
  throw new Error(`unsupported Docker endpoint ${host}`);
}

/** The engine calls on a dockerode for `endpoint`, created when first needed. */
export function dockerodeEngine(endpoint: DockerEndpoint): EngineApi {
  let client: Docker | undefined;
  return engineOn(
    () => {
      client ??= new Docker(dockerodeOptions(endpoint));
      return client;
    },
    () => endpoint.host.startsWith('unix://'),
  );
}

export interface EngineRegistry {
  /** The engine of `endpoint`; undefined is the worker's own. The same object for the same endpoint. */
  on(endpoint: DockerEndpoint | undefined): EngineApi;
}

export function engineRegistry(
  make: (endpoint: DockerEndpoint) => EngineApi = dockerodeEngine,
  local: EngineApi = localEngine,
): EngineRegistry {
  const made = new Map<string, EngineApi>();
  return {
    on(endpoint) {
      if (!endpoint) return local;
      // Other client files for one engine are another client.
      const key = JSON.stringify([endpointKey(endpoint.host), endpoint.tls ?? null]);
      let engine = made.get(key);
      if (!engine) {
        engine = make(endpoint);
        made.set(key, engine);
      }
      return engine;
    },
  };
}

/** Where each container runs: its engine's endpoint, or undefined for the worker's own engine. */
export interface Placement {
  endpointOf(container: string): Promise<DockerEndpoint | undefined>;
  /** Every engine other than the worker's own that a known node runs on. */
  endpoints(): Promise<DockerEndpoint[]>;
}

/** Every container on the worker's own engine: the placement of a worker whose nodes name none. */
export const ALL_LOCAL: Placement = {
  endpointOf: async () => undefined,
  endpoints: async () => [],
};

/**
 * The worker's Docker adapter: the engine calls of ./engine.ts, each about a container sent to
 * that container's engine. Calls about no container (images, version, data root) go to the
 * worker's own engine.
 */
export function routedEngine(registry: EngineRegistry, placement: Placement) {
  const local = registry.on(undefined);
  const engineFor = async (container: string): Promise<EngineApi> =>
    registry.on(await placement.endpointOf(container));
  /** Where a planned node runs: its plan's own engine when it names one, else where its name is placed. */
  const placeOf = async (node: { name: string; docker?: DockerEndpoint }) =>
    node.docker ?? (await placement.endpointOf(node.name));
  return {
    ...local,
    /** The engine `container` runs on. */
    engineFor,
    placeOf,
    /** The engine of `endpoint` (undefined: the worker's own), the same object for the same engine. */
    engineAt: (endpoint: DockerEndpoint | undefined): EngineApi => registry.on(endpoint),
    /** The worker's own engine and every other one a known node runs on, each once. */
    async allEngines(): Promise<EngineApi[]> {
      return [...new Set([local, ...(await placement.endpoints()).map((e) => registry.on(e))])];
    },
    inspectContainer: async (name: string) => (await engineFor(name)).inspectContainer(name),
    /** On the plan's own engine when it names one, else where its name is placed. */
    createContainer: async (plan: PlannedContainer) => registry.on(await placeOf(plan)).createContainer(plan),
    startContainer: async (name: string) => (await engineFor(name)).startContainer(name),
    stopContainer: async (name: string, timeoutSeconds?: number) =>
      (await engineFor(name)).stopContainer(name, timeoutSeconds),
    killContainer: async (name: string, signal?: string) =>
      (await engineFor(name)).killContainer(name, signal),
    removeContainer: async (name: string) => (await engineFor(name)).removeContainer(name),
    containerLogs: async (name: string, tail?: number, sinceSeconds?: number) =>
      (await engineFor(name)).containerLogs(name, tail, sinceSeconds),
    execInContainer: async (name: string, cmd: string[]) =>
      (await engineFor(name)).execInContainer(name, cmd),
  };
}

export type RoutedEngine = ReturnType<typeof routedEngine>;
