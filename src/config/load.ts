import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import type { DockerEndpoint } from './docker-endpoint';
import {
  ClustersFileUnreadableError,
  InvalidClusterSpecError,
  issuesFromZod,
  type SpecIssue,
  UnknownClusterError,
  UnknownJobError,
} from './errors';
import { interpolationIssues } from './interpolation';
import {
  type ClusterSpec,
  type ClustersFile,
  clusterSpecSchema,
  clustersFileSchema,
  type JobSpec,
  type NamedCluster,
} from './schema';

export const DEFAULT_CLUSTERS_FILE = 'clusters.yaml';

/** The clusters file a process uses: FLINK_RUNBOOKS_CLUSTERS, else ./clusters.yaml. */
export function clustersFilePath(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.FLINK_RUNBOOKS_CLUSTERS || DEFAULT_CLUSTERS_FILE);
}

/** How a runbook names its cluster: by name from the clusters file, or inline with `spec`. */
export interface ClusterRef {
  cluster: string;
  spec?: unknown;
}

interface ParseOptions {
  source: string;
  /** Relative host paths in the spec are taken from here (the clusters file's folder). */
  baseDir: string;
  env?: NodeJS.ProcessEnv;
}

const ENV_REF = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/**
 * Replaces ${NAME} and ${NAME:-default} in every string, so one file serves several machines.
 * Secrets do not go this way: secret fields take references, resolved only inside activities.
 */
export function interpolateEnv(
  value: unknown,
  env: NodeJS.ProcessEnv,
  issues: SpecIssue[],
  path = '',
): unknown {
  if (typeof value === 'string') {
    return value.replace(ENV_REF, (_whole, name: string, fallback: string | undefined) => {
      const found = env[name];
      if (found !== undefined && found !== '') return found;
      if (fallback !== undefined) return fallback;
      issues.push({ path, message: `environment variable ${name} is not set and has no default` });
      return '';
    });
  }
  if (Array.isArray(value)) return value.map((item, i) => interpolateEnv(item, env, issues, `${path}[${i}]`));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [
        key,
        interpolateEnv(item, env, issues, path ? `${path}.${key}` : key),
      ]),
    );
  }
  return value;
}

function hostPath(baseDir: string, path: string): string {
  return isAbsolute(path) ? path : resolve(baseDir, path);
}

/** Makes every host path in a spec absolute, relative to `baseDir`. */
export function resolveHostPaths(spec: ClusterSpec, baseDir: string): ClusterSpec {
  return resolveSecretFiles(resolvePaths(spec, baseDir), baseDir);
}

/** `{fromFile: relative}` is read from the clusters file's folder, like every other host path. */
function resolveSecretFiles<T>(value: T, baseDir: string): T {
  if (Array.isArray(value)) return value.map((item) => resolveSecretFiles(item, baseDir)) as T;
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value);
  if (entries.length === 1 && entries[0]?.[0] === 'fromFile' && typeof entries[0][1] === 'string')
    return { fromFile: hostPath(baseDir, entries[0][1]) } as T;
  return Object.fromEntries(entries.map(([key, item]) => [key, resolveSecretFiles(item, baseDir)])) as T;
}

/** The TLS files of a Docker endpoint, absolute. */
function resolveEndpoint(endpoint: DockerEndpoint | undefined, baseDir: string): { docker?: DockerEndpoint } {
  if (!endpoint) return {};
  const tls = endpoint.tls;
  if (!tls) return { docker: endpoint };
  return {
    docker: {
      ...endpoint,
      tls: {
        ...(tls.ca ? { ca: hostPath(baseDir, tls.ca) } : {}),
        cert: hostPath(baseDir, tls.cert),
        key: hostPath(baseDir, tls.key),
      },
    },
  };
}

function resolvePaths(spec: ClusterSpec, baseDir: string): ClusterSpec {
  return {
    ...spec,
    ...resolveEndpoint(spec.docker, baseDir),
    zookeeper: { ...spec.zookeeper, ...resolveEndpoint(spec.zookeeper.docker, baseDir) },
    jobManagers: spec.jobManagers.map((jm) => ({ ...jm, ...resolveEndpoint(jm.docker, baseDir) })),
    taskManagers: {
      ...spec.taskManagers,
      containers: spec.taskManagers.containers.map((tm) => ({
        ...tm,
        ...resolveEndpoint(tm.docker, baseDir),
      })),
    },
    volumes: spec.volumes.map((v) => ({ ...v, host: hostPath(baseDir, v.host) })),
    storage: { ...spec.storage, paths: spec.storage.paths.map((p) => hostPath(baseDir, p)) },
    ...(spec.rest?.tls?.caFile && {
      rest: { ...spec.rest, tls: { ...spec.rest.tls, caFile: hostPath(baseDir, spec.rest.tls.caFile) } },
    }),
    jobs: spec.jobs.map((job) => ({
      ...job,
      jar: hostPath(baseDir, job.jar),
      output:
        job.output &&
        (job.output.container ? job.output : { ...job.output, path: hostPath(baseDir, job.output.path) }),
      probe:
        job.probe?.type === 'marker'
          ? { ...job.probe, controlDir: hostPath(baseDir, job.probe.controlDir) }
          : job.probe,
    })),
  };
}

/** Larger than any real clusters file; a bigger one is a mistake or an attack. */
const MAX_FILE_BYTES = 1_000_000;
/** YAML aliases may repeat a node this often; more is the "billion laughs" expansion. */
const MAX_ALIASES = 100;

export function parseClustersFile(text: string, options: ParseOptions): ClustersFile {
  if (Buffer.byteLength(text) > MAX_FILE_BYTES)
    throw new InvalidClusterSpecError(options.source, [
      { path: '(file)', message: `is larger than ${MAX_FILE_BYTES} bytes` },
    ]);
  let document: unknown;
  try {
    const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
    if (doc.errors.length > 0) {
      // Later YAML errors are mostly echoes of the first; one precise message helps more.
      const first = doc.errors[0] as (typeof doc.errors)[number];
      throw new InvalidClusterSpecError(options.source, [
        {
          path: `line ${first.linePos?.[0]?.line ?? '?'}`,
          message: (first.message.split('\n')[0] ?? first.message).replace(/:$/, ''),
        },
      ]);
    }
    document = doc.toJS({ maxAliasCount: MAX_ALIASES });
  } catch (error) {
    if (error instanceof InvalidClusterSpecError) throw error;
    // The yaml library throws on alias expansion past maxAliasCount and on malformed documents.
    throw new InvalidClusterSpecError(options.source, [
      { path: '(file)', message: `cannot be read as YAML: ${(error as Error).message}` },
    ]);
  }
  const issues: SpecIssue[] = interpolationIssues(document);
  if (issues.length > 0) throw new InvalidClusterSpecError(options.source, issues);
  const raw = interpolateEnv(document, options.env ?? process.env, issues);
  if (issues.length > 0) throw new InvalidClusterSpecError(options.source, issues);
  const parsed = clustersFileSchema.safeParse(raw);
  if (!parsed.success) throw new InvalidClusterSpecError(options.source, issuesFromZod(parsed.error));
  const clusters = Object.fromEntries(
    Object.entries(parsed.data.clusters).map(([name, spec]) => [
      name,
      resolveHostPaths(spec, options.baseDir),
    ]),
  );
  return { clusters };
}

export async function loadClustersFile(
  path: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ClustersFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ClustersFileUnreadableError(
      `clusters file ${path} cannot be read (${(error as NodeJS.ErrnoException).code}); set FLINK_RUNBOOKS_CLUSTERS to its path`,
    );
  }
  return parseClustersFile(text, { source: path, baseDir: resolve(path, '..'), env });
}

/** Validates an inline spec given in a workflow input or on the command line. */
export function parseInlineSpec(cluster: string, spec: unknown, baseDir = process.cwd()): NamedCluster {
  const parsed = clusterSpecSchema.safeParse(spec);
  if (!parsed.success)
    throw new InvalidClusterSpecError(`inline spec "${cluster}"`, issuesFromZod(parsed.error, ['spec']));
  return { name: cluster, ...resolveHostPaths(parsed.data, baseDir) };
}

/** Finds the cluster a runbook input names, in the clusters file or inline. */
export async function resolveClusterRef(ref: ClusterRef, file = clustersFilePath()): Promise<NamedCluster> {
  if (ref.spec !== undefined) return parseInlineSpec(ref.cluster, ref.spec);
  const { clusters } = await loadClustersFile(file);
  const spec = clusters[ref.cluster];
  if (!spec) throw new UnknownClusterError(ref.cluster, Object.keys(clusters), file);
  return { name: ref.cluster, ...spec };
}

/** The job a runbook acts on: the named one, or the only one when the cluster has one. */
export function selectJob(cluster: NamedCluster, job?: string): JobSpec {
  const names = cluster.jobs.map((j) => j.name);
  const wanted = job ?? (cluster.jobs.length === 1 ? names[0] : undefined);
  const found = cluster.jobs.find((j) => j.name === wanted);
  if (!found) throw new UnknownJobError(job ?? '(none given)', cluster.name, names);
  return found;
}
