import { isAbsolute, resolve } from 'node:path';

/**
 * What the worker's operator allows a workflow input to choose, read from the worker's own
 * environment. By default a workflow may only name a cluster of the worker's clusters file; an
 * inline `spec` is refused. With inline specs allowed, the spec still uses only the secrets,
 * host paths, credential-receiving hosts and Docker engines of the clusters file, plus what is
 * listed here.
 */
export interface TrustPolicy {
  /** FLINK_RUNBOOKS_ALLOW_INLINE_SPECS=true */
  allowInlineSpecs: boolean;
  /** FLINK_RUNBOOKS_INLINE_SECRET_ENV: variable names an inline spec may read; `PREFIX_*` allows a prefix. */
  secretEnvNames: string[];
  secretEnvPrefixes: string[];
  /** FLINK_RUNBOOKS_INLINE_SECRET_DIR: the folder inline `{fromFile}` references may read from. */
  secretDir?: string;
  /** FLINK_RUNBOOKS_INLINE_PATHS: more folders inline host paths (mounts, jars, output) may lie under. */
  pathRoots: string[];
  /** FLINK_RUNBOOKS_INLINE_CREDENTIAL_HOSTS: more `host:port`s inline credentials may be sent to. */
  credentialHosts: string[];
  /** FLINK_RUNBOOKS_INLINE_DOCKER_HOSTS: more Docker endpoints (`tcp://host:port`, ...) inline nodes may run on. */
  dockerHosts: string[];
}

/** The worker's own secrets: never readable through an inline spec, whatever the lists say. */
export const RESERVED_ENV = /^(TEMPORAL_|FLINK_RUNBOOKS_)/;

const list = (value: string | undefined): string[] =>
  (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);

/** Reads the policy; relative folders are taken from `baseDir`, the clusters file's folder. */
export function trustPolicyFromEnv(env: NodeJS.ProcessEnv, baseDir: string): TrustPolicy {
  const names = list(env.FLINK_RUNBOOKS_INLINE_SECRET_ENV);
  const folder = (path: string) => (isAbsolute(path) ? resolve(path) : resolve(baseDir, path));
  const secretDir = env.FLINK_RUNBOOKS_INLINE_SECRET_DIR?.trim();
  return {
    allowInlineSpecs: /^(true|1|yes)$/i.test(env.FLINK_RUNBOOKS_ALLOW_INLINE_SPECS?.trim() ?? ''),
    secretEnvNames: names.filter((name) => !name.endsWith('*')),
    secretEnvPrefixes: names.filter((name) => name.endsWith('*')).map((name) => name.slice(0, -1)),
    ...(secretDir ? { secretDir: folder(secretDir) } : {}),
    pathRoots: list(env.FLINK_RUNBOOKS_INLINE_PATHS).map(folder),
    credentialHosts: list(env.FLINK_RUNBOOKS_INLINE_CREDENTIAL_HOSTS),
    dockerHosts: list(env.FLINK_RUNBOOKS_INLINE_DOCKER_HOSTS),
  };
}
