import { isAbsolute, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FAILURE } from '../temporal/failure-types';

/**
 * Where a runbook may write and remove its reports. The drill writes `<reportDir>/<id>.md` and
 * housekeeping removes old ones there, so a `reportDir` in a workflow input is a host path the
 * caller chooses: it must lie under a folder the worker's operator allowed — the repository's
 * `reports/`, or one listed in FLINK_RUNBOOKS_REPORT_ROOTS (comma-separated) — and anything else
 * is refused before the runbook touches anything.
 */
export const DEFAULT_REPORT_DIR = 'reports';

export class ReportDirRefusedError extends Error {
  override name = FAILURE.ReportDirRefused;
  readonly nonRetryable = true;
  constructor(reportDir: string, roots: string[]) {
    super(
      `reportDir "${reportDir}" is outside the report folders this worker allows (${roots.join(', ')}); use one of them or a folder under one, or have the worker's operator add it to FLINK_RUNBOOKS_REPORT_ROOTS`,
    );
  }
}

/** The folders reports may go to: `reports/` of `baseDir` and the operator's list, as absolute paths. */
export function reportRoots(env: NodeJS.ProcessEnv, baseDir: string): string[] {
  const listed = (env.FLINK_RUNBOOKS_REPORT_ROOTS ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => (isAbsolute(p) ? resolve(p) : resolve(baseDir, p)));
  return [resolve(baseDir, DEFAULT_REPORT_DIR), ...listed];
}

/** The absolute report folder for `reportDir` (relative ones are taken from `baseDir`), or a refusal. */
export function confineReportDir(reportDir: string | undefined, roots: string[], baseDir: string): string {
  const dir = resolve(baseDir, reportDir ?? DEFAULT_REPORT_DIR);
  const inside = (root: string) => {
    const rel = relative(root, dir);
    return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
  };
  if (!roots.some(inside)) throw new ReportDirRefusedError(reportDir ?? DEFAULT_REPORT_DIR, roots);
  return dir;
}

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The worker's report folder for a runbook's `reportDir`, confined by the worker's own environment. */
export function resolveReportDir(reportDir: string | undefined): string {
  return confineReportDir(reportDir, reportRoots(process.env, REPO_ROOT), REPO_ROOT);
}
