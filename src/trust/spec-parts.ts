import { dirname } from 'node:path';
import { type DockerEndpoint, endpointKey } from '../config/docker-endpoint';
import { formatPath } from '../config/errors';
import type { ClusterSpec } from '../config/schema';
import { connectStringHostPort, hostPort, urlHostPort } from './hosts';

/**
 * The parts of a parsed cluster spec that reach outside the workflow: secret references, host
 * paths, and the hosts that receive credentials. Pure: read from the spec, nothing looked up.
 */

export type SecretRef = { fromEnv: string } | { fromFile: string };

export interface Located<T> {
  path: string;
  value: T;
}

const isSecretRef = (value: unknown): value is SecretRef =>
  value !== null &&
  typeof value === 'object' &&
  !Array.isArray(value) &&
  Object.keys(value).length === 1 &&
  (typeof (value as { fromEnv?: unknown }).fromEnv === 'string' ||
    typeof (value as { fromFile?: unknown }).fromFile === 'string');

/** Every `{fromEnv}` / `{fromFile}` in the spec, wherever it sits (alerts, probes, sources, REST access). */
export function secretRefs(spec: unknown, path: PropertyKey[] = ['spec']): Array<Located<SecretRef>> {
  if (isSecretRef(spec)) return [{ path: formatPath(path), value: spec }];
  if (Array.isArray(spec)) return spec.flatMap((item, i) => secretRefs(item, [...path, i]));
  if (spec !== null && typeof spec === 'object')
    return Object.entries(spec).flatMap(([key, item]) => secretRefs(item, [...path, key]));
  return [];
}

/**
 * Where credentials go: every JobManager when REST basic auth is set, and every object that holds
 * a secret `password` beside a `host` (SMTP, a PostgreSQL probe or source) or a `connectString`
 * (Oracle). Each as canonical `host:port`.
 */
export function credentialHosts(spec: ClusterSpec): Array<Located<string>> {
  const out: Array<Located<string>> = [];
  if (spec.rest?.basicAuth)
    for (const [i, jm] of spec.jobManagers.entries())
      out.push({ path: `spec.jobManagers[${i}].url`, value: urlHostPort(jm.url) ?? jm.url });
  const walk = (value: unknown, path: PropertyKey[]): void => {
    if (Array.isArray(value)) {
      for (const [i, item] of value.entries()) walk(item, [...path, i]);
      return;
    }
    if (value === null || typeof value !== 'object') return;
    const node = value as Record<string, unknown>;
    if (isSecretRef(node.password)) {
      if (typeof node.host === 'string')
        out.push({
          path: formatPath([...path, 'host']),
          value: hostPort(node.host, node.port as number | undefined),
        });
      if (typeof node.connectString === 'string')
        out.push({
          path: formatPath([...path, 'connectString']),
          value: connectStringHostPort(node.connectString) ?? node.connectString,
        });
    }
    for (const [key, item] of Object.entries(node)) walk(item, [...path, key]);
  };
  walk(spec, ['spec']);
  return out;
}

/** Every path on the worker's machine the spec makes the worker mount, read, upload or write. */
export function hostPaths(spec: ClusterSpec): Array<Located<string>> {
  const out: Array<Located<string>> = [];
  for (const [i, v] of spec.volumes.entries()) out.push({ path: `spec.volumes[${i}].host`, value: v.host });
  for (const [i, p] of spec.storage.paths.entries()) out.push({ path: `spec.storage.paths[${i}]`, value: p });
  if (spec.rest?.tls?.caFile) out.push({ path: 'spec.rest.tls.caFile', value: spec.rest.tls.caFile });
  spec.jobs.forEach((job, i) => {
    out.push({ path: `spec.jobs[${i}].jar`, value: job.jar });
    if (job.output && !job.output.container)
      out.push({ path: `spec.jobs[${i}].output.path`, value: job.output.path });
    if (job.probe?.type === 'marker')
      out.push({ path: `spec.jobs[${i}].probe.controlDir`, value: job.probe.controlDir });
  });
  for (const [i, p] of spec.disk.paths.entries()) out.push({ path: `spec.disk.paths[${i}]`, value: p });
  for (const { path, value } of namedEndpoints(spec))
    for (const file of ['ca', 'cert', 'key'] as const) {
      const at = value.tls?.[file];
      if (at) out.push({ path: `${path}.tls.${file}`, value: at });
    }
  return out;
}

/** Every `docker:` the spec writes out (the cluster's and each node's), where it is written. */
export function namedEndpoints(spec: ClusterSpec): Array<Located<DockerEndpoint>> {
  const out: Array<Located<DockerEndpoint>> = [];
  if (spec.docker) out.push({ path: 'spec.docker', value: spec.docker });
  if (spec.zookeeper.docker) out.push({ path: 'spec.zookeeper.docker', value: spec.zookeeper.docker });
  for (const [i, jm] of spec.jobManagers.entries())
    if (jm.docker) out.push({ path: `spec.jobManagers[${i}].docker`, value: jm.docker });
  for (const [i, tm] of spec.taskManagers.containers.entries())
    if (tm.docker) out.push({ path: `spec.taskManagers.containers[${i}].docker`, value: tm.docker });
  return out;
}

/** The Docker engines the spec reaches, each as its endpointKey, located at its `host` field. */
export function dockerEndpoints(spec: ClusterSpec): Array<Located<string>> {
  return namedEndpoints(spec).map(({ path, value }) => ({
    path: `${path}.host`,
    value: endpointKey(value.host),
  }));
}

/** The folders a clusters file's own cluster uses: inline host paths may lie under these. */
export function pathRootsOf(spec: ClusterSpec): string[] {
  return hostPaths(spec).map(({ path, value }) =>
    /\.(jar|caFile|tls\.ca|tls\.cert|tls\.key)$/.test(path) ? dirname(value) : value,
  );
}
