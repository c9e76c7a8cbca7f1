/**
 * Pure: which savepoints to delete. A savepoint is deleted only when no rule keeps it, and never
 * when it is the newest completed one or one a live job was restored from. Also the mapping of
 * a savepoint URI as Flink sees it (file:/opt/flink/savepoints/...) to the host directory mounted
 * there, which retention lists and deletes.
 */

export interface SavepointEntry {
  /** As Flink reports it, e.g. file:/opt/flink/savepoints/savepoint-0e3af3-51bf8b3b899e */
  uri: string;
  name: string;
  /** When it completed (its _metadata was written), or when the directory was made if incomplete. */
  createdAt: number;
  /** Has `_metadata`: Flink finished writing it. */
  complete: boolean;
}

export interface RetentionRules {
  /** Keep the newest N completed savepoints. */
  keepLast?: number;
  /** Keep completed savepoints younger than this. */
  maxAgeMs?: number;
  /** An incomplete directory (no _metadata) older than this is a failed savepoint's leftover; default 1 h. */
  incompleteAfterMs?: number;
}

export interface RetentionDecision {
  uri: string;
  name: string;
  createdAt: number;
  reason: string;
}

export interface RetentionPlan {
  keep: RetentionDecision[];
  delete: RetentionDecision[];
}

export const DEFAULT_INCOMPLETE_AFTER_MS = 3_600_000;

/** `file:/a/b`, `file:///a/b/` and `/a/b` are one location. */
export function normalizeLocation(uri: string): string {
  const path = uri.replace(/^file:(\/\/)?/, '');
  return `/${path.replace(/^\/+/, '').replace(/\/+$/, '')}`;
}

export function sameLocation(a: string, b: string): boolean {
  return normalizeLocation(a) === normalizeLocation(b);
}

/**
 * The host path of a `file:` URI (or container path) through the cluster's volumes, by the
 * longest container prefix; undefined for other schemes or unmounted paths.
 */
export function hostPathFor(
  uri: string,
  volumes: Array<{ host: string; container: string }>,
): string | undefined {
  if (/^[a-z][a-z0-9+.-]*:/.test(uri) && !uri.startsWith('file:')) return undefined;
  const path = normalizeLocation(uri);
  const mount = volumes
    .map((v) => ({ host: v.host.replace(/\/+$/, ''), container: normalizeLocation(v.container) }))
    .filter((v) => path === v.container || path.startsWith(`${v.container}/`))
    .sort((a, b) => b.container.length - a.container.length)[0];
  return mount && `${mount.host}${path.slice(mount.container.length)}`;
}

const age = (now: number, at: number) => Math.max(0, now - at);

function formatAge(ms: number): string {
  if (ms >= 86_400_000) return `${Math.floor(ms / 86_400_000)}d`;
  if (ms >= 3_600_000) return `${Math.floor(ms / 3_600_000)}h`;
  if (ms >= 60_000) return `${Math.floor(ms / 60_000)}m`;
  return `${Math.floor(ms / 1000)}s`;
}

/** Returns what is wrong with the rules, or an empty list. */
export function retentionRuleIssues(rules: RetentionRules): string[] {
  const issues: string[] = [];
  if (rules.keepLast !== undefined && (!Number.isInteger(rules.keepLast) || rules.keepLast < 1))
    issues.push(`keepLast must be a whole number of at least 1, got ${rules.keepLast}`);
  if (rules.maxAgeMs !== undefined && !(rules.maxAgeMs > 0))
    issues.push('maxAge must be a positive duration');
  if (rules.keepLast === undefined && rules.maxAgeMs === undefined)
    issues.push('give keepLast, maxAge or both; without a rule nothing would be deleted');
  return issues;
}

export function planRetention(input: {
  savepoints: SavepointEntry[];
  rules: RetentionRules;
  now: number;
  /** Locations live jobs were restored from. */
  protectedUris: string[];
}): RetentionPlan {
  const { rules, now } = input;
  const keep: RetentionDecision[] = [];
  const del: RetentionDecision[] = [];
  const decide = (sp: SavepointEntry, action: 'keep' | 'delete', reason: string) =>
    (action === 'keep' ? keep : del).push({ uri: sp.uri, name: sp.name, createdAt: sp.createdAt, reason });
  const anyRule = rules.keepLast !== undefined || rules.maxAgeMs !== undefined;
  const isProtected = (sp: SavepointEntry) => input.protectedUris.some((uri) => sameLocation(uri, sp.uri));

  const complete = input.savepoints
    .filter((sp) => sp.complete)
    .sort((a, b) => b.createdAt - a.createdAt || b.name.localeCompare(a.name));
  complete.forEach((sp, index) => {
    const spAge = age(now, sp.createdAt);
    if (index === 0) decide(sp, 'keep', 'the newest completed savepoint');
    else if (isProtected(sp)) decide(sp, 'keep', 'a live job was restored from it');
    else if (!anyRule) decide(sp, 'keep', 'no retention rule given');
    else if (rules.keepLast !== undefined && index < rules.keepLast)
      decide(sp, 'keep', `one of the last ${rules.keepLast}`);
    else if (rules.maxAgeMs !== undefined && spAge < rules.maxAgeMs)
      decide(sp, 'keep', `younger than ${formatAge(rules.maxAgeMs)}`);
    else {
      const why = [
        rules.keepLast !== undefined ? `not among the last ${rules.keepLast}` : undefined,
        rules.maxAgeMs !== undefined
          ? `older than ${formatAge(rules.maxAgeMs)} (${formatAge(spAge)})`
          : undefined,
      ].filter(Boolean);
      decide(sp, 'delete', why.join(' and '));
    }
  });

  const incompleteAfter = rules.incompleteAfterMs ?? DEFAULT_INCOMPLETE_AFTER_MS;
  for (const sp of input.savepoints.filter((s) => !s.complete)) {
    const spAge = age(now, sp.createdAt);
    if (isProtected(sp)) decide(sp, 'keep', 'a live job was restored from it');
    else if (anyRule && spAge >= incompleteAfter)
      decide(
        sp,
        'delete',
        `incomplete (no _metadata) for ${formatAge(spAge)}: a failed savepoint's leftover`,
      );
    else decide(sp, 'keep', 'incomplete: it may still be being written');
  }
  return { keep, delete: del };
}

/** Other jobs of the cluster whose savepoints land in the same directory (retention would mix them up). */
export function jobsSharingSavepointDir(
  jobs: Array<{ name: string; savepointDir: string }>,
  job: string,
): string[] {
  const dir = jobs.find((j) => j.name === job)?.savepointDir;
  if (!dir) return [];
  return jobs.filter((j) => j.name !== job && sameLocation(j.savepointDir, dir)).map((j) => j.name);
}
