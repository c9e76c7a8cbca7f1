import { z } from 'zod';
import { canonicalHost } from '../trust/hosts';
import { hasControlCharacter, hasDotDot, hostPath, NO_CONTROL, NO_DOT_DOT } from './fields';

/**
 * The Docker engine a node runs on: a local socket (`unix:///run/docker-b.sock`), a TCP endpoint
 * (`tcp://host:2376`, with TLS when `tls` is set) or an engine reached over SSH
 * (`ssh://user@host`). A node that names none runs on the worker's own engine (DOCKER_HOST, else
 * the default socket), as every node did before nodes could name one.
 */

export interface DockerEndpoint {
  host: string;
  tls?: { ca?: string; cert: string; key: string };
}

const HOST = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?)$/;
const USER = /^[A-Za-z_][A-Za-z0-9._-]*$/;

/** Why `host` is no Docker endpoint the worker can reach, or undefined when it is one. */
export function endpointProblem(host: string): string | undefined {
  if (hasControlCharacter(host)) return NO_CONTROL;
  const scheme = /^([a-z]+):\/\//.exec(host)?.[1];
  if (scheme === 'unix') {
    const path = host.slice('unix://'.length);
    if (!path.startsWith('/'))
      return 'a unix:// endpoint needs an absolute socket path, e.g. unix:///run/docker.sock';
    if (hasDotDot(path)) return NO_DOT_DOT;
    return undefined;
  }
  if (scheme === 'tcp') {
    const match = /^tcp:\/\/([^/?#]+)$/.exec(host);
    if (!match) return 'must be tcp://host:port, with no path';
    if ((match[1] as string).includes('@'))
      return 'must not carry a user: a tcp:// engine authenticates with tls.cert and tls.key';
    const hostPart = /^(.*):(\d+)$/.exec(match[1] as string);
    if (!hostPart) return 'a tcp:// endpoint needs a port, e.g. tcp://10.0.0.2:2376';
    if (!HOST.test(hostPart[1] as string)) return `"${hostPart[1]}" is not a host name or address`;
    const port = Number(hostPart[2]);
    if (port < 1 || port > 65_535) return `port ${hostPart[2]} is outside 1-65535`;
    return undefined;
  }
  if (scheme === 'ssh') {
    const match = /^ssh:\/\/(?:([^@/]*)@)?([^/?#@]+)$/.exec(host);
    if (!match) return 'must be ssh://user@host[:port], with no path';
    const [, user, hostAndPort = ''] = match;
    if (user?.includes(':'))
      return 'must not carry a password (user:password@ would travel into workflow history); the worker uses its SSH agent';
    if (user !== undefined && !USER.test(user)) return `"${user}" is not a user name`;
    const parts = /^(.*?)(?::(\d+))?$/.exec(hostAndPort) as RegExpExecArray;
    if (!HOST.test(parts[1] as string)) return `"${parts[1]}" is not a host name or address`;
    const port = parts[2] === undefined ? 22 : Number(parts[2]);
    if (port < 1 || port > 65_535) return `port ${parts[2]} is outside 1-65535`;
    return undefined;
  }
  return 'must be unix:///path/to/docker.sock, tcp://host:port or ssh://user@host';
}

const endpointHost = z.string().superRefine((host, ctx) => {
  const problem = endpointProblem(host);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

const endpointObject = z
  .strictObject({
    host: endpointHost.describe('unix:///path.sock, tcp://host:port or ssh://user@host[:port]'),
    tls: z
      .strictObject({
        ca: hostPath()
          .optional()
          .describe(
            "PEM file with the CA the engine's certificate is checked against; default the system CAs",
          ),
        cert: hostPath().describe("the worker's client certificate (PEM)"),
        key: hostPath().describe("the client certificate's private key (PEM)"),
      })
      .optional()
      .describe(
        "for a tcp:// engine started with --tlsverify; files on the worker's machine (relative: to the clusters file's folder)",
      ),
  })
  .superRefine((endpoint, ctx) => {
    if (endpoint.tls && !endpoint.host.startsWith('tcp://'))
      ctx.addIssue({ code: 'custom', path: ['tls'], message: 'tls is for tcp:// endpoints only' });
  });

/** `docker:` of a node or a cluster: the endpoint as a string, or `{host, tls}`. */
export const dockerEndpointSchema = z.preprocess(
  (value) => (typeof value === 'string' ? { host: value } : value),
  endpointObject,
);

/**
 * The identity of an endpoint: two spellings of one engine (`tcp://localhost:2376` and
 * `tcp://127.0.0.1:2376`, `ssh://h` and `ssh://h:22`) give one key. TLS files are not part of it.
 */
export function endpointKey(host: string): string {
  if (host.startsWith('unix://')) return `unix://${host.slice('unix://'.length).replace(/\/+$/, '')}`;
  const tcp = /^tcp:\/\/(.*):(\d+)$/.exec(host);
  if (tcp) return `tcp://${canonicalHost(tcp[1] as string)}:${Number(tcp[2])}`;
  const ssh = /^ssh:\/\/(?:([^@/]*)@)?(.*?)(?::(\d+))?$/.exec(host);
  if (ssh) return `ssh://${ssh[1] ? `${ssh[1]}@` : ''}${canonicalHost(ssh[2] as string)}:${ssh[3] ?? 22}`;
  return host;
}

/** The parts of a cluster spec that say where each node runs (the schema's output type would be circular). */
export interface PlacedCluster {
  docker?: DockerEndpoint;
  zookeeper: { container?: string; docker?: DockerEndpoint };
  jobManagers: Array<{ container: string; docker?: DockerEndpoint }>;
  taskManagers: { containers: Array<{ container: string; docker?: DockerEndpoint }> };
}

/** One node: its container, where it is in the spec, and its engine (undefined: the worker's own). */
export interface NodePlacement {
  container: string;
  path: string;
  docker?: DockerEndpoint;
}

/** Every node of a cluster with the engine it runs on: its own `docker`, else the cluster's. */
export function nodePlacements(spec: PlacedCluster): NodePlacement[] {
  const on = (own: DockerEndpoint | undefined) => {
    const docker = own ?? spec.docker;
    return docker ? { docker } : {};
  };
  return [
    ...(spec.zookeeper.container
      ? [{ container: spec.zookeeper.container, path: 'zookeeper', ...on(spec.zookeeper.docker) }]
      : []),
    ...spec.jobManagers.map((jm, i) => ({
      container: jm.container,
      path: `jobManagers[${i}]`,
      ...on(jm.docker),
    })),
    ...spec.taskManagers.containers.map((tm, i) => ({
      container: tm.container,
      path: `taskManagers.containers[${i}]`,
      ...on(tm.docker),
    })),
  ];
}

/** The engine a container of the cluster runs on; undefined for the worker's own engine or an unknown name. */
export function endpointOfNode(spec: PlacedCluster, container: string): DockerEndpoint | undefined {
  return nodePlacements(spec).find((node) => node.container === container)?.docker;
}
