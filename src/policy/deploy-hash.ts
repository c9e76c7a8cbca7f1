import type { PlannedContainer } from '../docker/container-plan';

/**
 * Pure fingerprints that let the deploy runbook tell "already deployed from this spec" from
 * "changed" by looking at the cluster itself, with no record kept anywhere else:
 *
 * - every container it creates carries the label `io.flink-runbooks.spec-hash`, a hash of
 *   everything the container is created from (image id included);
 * - every job it submits gets a job id that starts with the job's key and the hash of what was
 *   submitted: `<job key: 8 hex><submission hash: 16 hex><nonce: 8 hex>`. Flink keeps job ids
 *   through failovers, so the running job still says which spec it came from.
 *
 * No clock, no randomness, no Node API: safe in workflow code.
 */

export const SPEC_HASH_LABEL = 'io.flink-runbooks.spec-hash';

const FNV_OFFSET = 0xcbf29ce484222325n;
const FNV_PRIME = 0x100000001b3n;
const MASK_64 = 0xffffffffffffffffn;

/** FNV-1a, 64 bits, over the UTF-16 code units of `text`; 16 hex digits. Not for secrets. */
export function fnv1a64(text: string): string {
  let hash = FNV_OFFSET;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    hash = ((hash ^ BigInt(unit & 0xff)) * FNV_PRIME) & MASK_64;
    hash = ((hash ^ BigInt(unit >> 8)) * FNV_PRIME) & MASK_64;
  }
  return hash.toString(16).padStart(16, '0');
}

/** JSON with object keys sorted at every level, so equal values always hash alike. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * What a container is created from: its plan without the labels (the hash goes into them) and
 * the id of the image its tag names now, so that a rebuilt image counts as a change.
 */
export function containerSpecHash(plan: PlannedContainer, imageId: string | undefined): string {
  const { labels: _labels, ...created } = plan;
  return fnv1a64(canonicalJson({ ...created, imageId: imageId ?? null }));
}

/** What a job submission is made of: the jar's content and how it is run. */
export interface JobSubmissionSpec {
  jarSha256: string;
  entryClass: string;
  parallelism: number;
  args: string[];
}

export function jobSpecHash(submission: JobSubmissionSpec): string {
  return fnv1a64(canonicalJson(submission));
}

/** 8 hex digits naming one job of one cluster, the same in every deploy. */
export function jobKey(cluster: string, job: string): string {
  return fnv1a64(`${cluster}/${job}`).slice(0, 8);
}

const HEX = /^[0-9a-f]+$/;

/** The job id a deploy submits under; `nonce` comes from the workflow's uuid4(), so a replay reuses it. */
export function deployJobId(key: string, specHash: string, nonce: string): string {
  const tail = nonce.replace(/-/g, '').toLowerCase().slice(0, 8);
  const id = `${key}${specHash}${tail}`;
  if (id.length !== 32 || !HEX.test(id))
    throw new Error(`cannot make a job id from ${key}/${specHash}/${nonce}`);
  return id;
}

/** The parts of a job id a deploy made; any 32-hex id parses, so compare the key before trusting the hash. */
export function jobIdParts(jobId: string): { key: string; specHash: string; nonce: string } | undefined {
  if (jobId.length !== 32 || !HEX.test(jobId)) return undefined;
  return { key: jobId.slice(0, 8), specHash: jobId.slice(8, 24), nonce: jobId.slice(24) };
}

/** True when the job id was made by a deploy of this job from this submission spec. */
export function jobMatchesSpec(jobId: string, key: string, specHash: string): boolean {
  const parts = jobIdParts(jobId);
  return parts !== undefined && parts.key === key && parts.specHash === specHash;
}
