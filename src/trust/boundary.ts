import { relative, resolve } from 'node:path';
import { endpointKey, nodePlacements } from '../config/docker-endpoint';
import type { SpecIssue } from '../config/errors';
import type { ClusterSpec } from '../config/schema';
import { forbiddenMount } from '../config/spec-checks';
import { canonicalHost } from './hosts';
import { RESERVED_ENV, type TrustPolicy } from './policy';
import {
  credentialHosts,
  dockerEndpoints,
  hostPaths,
  pathRootsOf,
  type SecretRef,
  secretRefs,
} from './spec-parts';

/**
 * The trust boundary for an inline spec, as a pure function: what the clusters file already
 * uses is allowed, and what the operator listed in the policy; anything else is an issue that
 * names the field. The worker's own secrets (TEMPORAL_*, FLINK_RUNBOOKS_*) are never allowed.
 */

/** What the worker's own clusters file already uses: the baseline an inline spec may reuse. */
export interface Baseline {
  secretEnv: Set<string>;
  secretFiles: Set<string>;
  credentialHosts: Set<string>;
  pathRoots: string[];
  /** The Docker endpoints (endpointKey) the clusters file's nodes run on. */
  dockerHosts: Set<string>;
  /** Each container of the clusters file and the engine it runs on (endpointKey; '' for the worker's own). */
  containers: Map<string, string>;
}

const LOCAL_ENGINE = '';

const engineOf = (docker: { host: string } | undefined) => (docker ? endpointKey(docker.host) : LOCAL_ENGINE);

export function baselineOf(clusters: ClusterSpec[]): Baseline {
  const refs = clusters.flatMap((spec) => secretRefs(spec).map((r) => r.value));
  return {
    secretEnv: new Set(refs.flatMap((r) => ('fromEnv' in r ? [r.fromEnv] : []))),
    secretFiles: new Set(refs.flatMap((r) => ('fromFile' in r ? [resolve(r.fromFile)] : []))),
    credentialHosts: new Set(clusters.flatMap((spec) => credentialHosts(spec).map((c) => c.value))),
    pathRoots: clusters.flatMap(pathRootsOf).filter((root) => !forbiddenMount(root)),
    dockerHosts: new Set(clusters.flatMap((spec) => dockerEndpoints(spec).map((e) => e.value))),
    containers: new Map(
      clusters.flatMap((spec) =>
        nodePlacements(spec).map((node) => [node.container, engineOf(node.docker)] as const),
      ),
    ),
  };
}

export const EMPTY_BASELINE: Baseline = {
  secretEnv: new Set(),
  secretFiles: new Set(),
  credentialHosts: new Set(),
  pathRoots: [],
  dockerHosts: new Set(),
  containers: new Map(),
};

const within = (path: string, root: string): boolean => {
  const rel = relative(resolve(root), resolve(path));
  return rel === '' || (!rel.startsWith('..') && !rel.startsWith('/'));
};

function secretIssue(ref: SecretRef, baseline: Baseline, policy: TrustPolicy): string | undefined {
  if ('fromEnv' in ref) {
    const name = ref.fromEnv;
    if (RESERVED_ENV.test(name)) return `environment variable ${name} belongs to the worker itself`;
    if (baseline.secretEnv.has(name) || policy.secretEnvNames.includes(name)) return undefined;
    if (policy.secretEnvPrefixes.some((prefix) => name.startsWith(prefix))) return undefined;
    return `environment variable ${name} is neither used by the worker's clusters file nor allowed by FLINK_RUNBOOKS_INLINE_SECRET_ENV`;
  }
  const file = resolve(ref.fromFile);
  if (baseline.secretFiles.has(file)) return undefined;
  if (policy.secretDir && within(file, policy.secretDir)) return undefined;
  return `file ${ref.fromFile} is neither used by the worker's clusters file nor under FLINK_RUNBOOKS_INLINE_SECRET_DIR`;
}

/**
 * Every way an inline spec reaches past what the worker's operator allowed; empty when it stays
 * inside. `inputPaths` are host paths of the workflow input itself (an upgrade's new `jar`), which
 * go to the same JobManagers and so stay under the same folders.
 */
export function boundaryIssues(
  spec: ClusterSpec,
  baseline: Baseline,
  policy: TrustPolicy,
  inputPaths: Array<{ path: string; value: string }> = [],
): SpecIssue[] {
  const issues: SpecIssue[] = [];
  for (const { path, value } of secretRefs(spec)) {
    const problem = secretIssue(value, baseline, policy);
    if (problem) issues.push({ path, message: `secret refused: ${problem}` });
  }
  const extraHosts = new Set(
    policy.credentialHosts.map((entry) => {
      const at = entry.lastIndexOf(':');
      return at > 0 ? `${canonicalHost(entry.slice(0, at))}:${entry.slice(at + 1)}` : canonicalHost(entry);
    }),
  );
  for (const { path, value } of credentialHosts(spec)) {
    if (!baseline.credentialHosts.has(value) && !extraHosts.has(value))
      issues.push({
        path,
        message: `credentials refused for ${value}: it is not a host the worker's clusters file sends credentials to (nor listed in FLINK_RUNBOOKS_INLINE_CREDENTIAL_HOSTS)`,
      });
  }
  issues.push(...engineIssues(spec, baseline, policy));
  const roots = [...baseline.pathRoots, ...policy.pathRoots.filter((root) => !forbiddenMount(root))];
  for (const { path, value } of [...hostPaths(spec), ...inputPaths]) {
    const forbidden = forbiddenMount(value);
    if (forbidden) issues.push({ path, message: `host path ${value} refused: it ${forbidden}` });
    else if (!roots.some((root) => within(value, root)))
      issues.push({
        path,
        message: `host path ${value} refused: it is under no folder the worker's clusters file uses (nor FLINK_RUNBOOKS_INLINE_PATHS)`,
      });
  }
  return issues;
}

/**
 * The Docker engines an inline spec's nodes run on: an engine the clusters file uses or one the
 * operator listed; a node with no `docker` runs on the worker's own engine, as before. A container
 * the clusters file places on one engine may not be placed on another: the Docker activities find
 * a container's engine by its name.
 */
function engineIssues(spec: ClusterSpec, baseline: Baseline, policy: TrustPolicy): SpecIssue[] {
  const issues: SpecIssue[] = [];
  const listed = new Set(policy.dockerHosts.map(endpointKey));
  for (const { path, value } of dockerEndpoints(spec))
    if (!baseline.dockerHosts.has(value) && !listed.has(value))
      issues.push({
        path,
        message: `Docker engine ${value} refused: it is neither an engine the worker's clusters file uses nor listed in FLINK_RUNBOOKS_INLINE_DOCKER_HOSTS`,
      });
  for (const node of nodePlacements(spec)) {
    const known = baseline.containers.get(node.container);
    const engine = engineOf(node.docker);
    if (known !== undefined && known !== engine)
      issues.push({
        path: `spec.${node.path}.container`,
        message: `container ${node.container} refused: the worker's clusters file runs it on ${known || "the worker's own engine"}, not on ${engine || "the worker's own engine"}`,
      });
  }
  return issues;
}
