import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FAILURE } from '../temporal/failure-types';

export class ReportNotWrittenError extends Error {
  override name = FAILURE.ReportNotWritten;
}

/** A report's name becomes its file names: one plain name, never a path. */
const REPORT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export function checkReportName(name: string): void {
  if (!REPORT_NAME.test(name)) throw new ReportNotWrittenError(`"${name}" is not a file name for a report`);
}

/**
 * Writes `<dir>/<name><extension>` for each file, each atomically (a temporary file renamed into
 * place), so a reader never sees half a report and a retry rewrites the same files harmlessly.
 * `dir` must already be resolved against the trust boundary (src/trust/report-dir.ts).
 */
export async function writeReportFiles(
  dir: string,
  name: string,
  files: Array<{ extension: string; content: string }>,
): Promise<string[]> {
  checkReportName(name);
  await mkdir(dir, { recursive: true });
  const paths: string[] = [];
  for (const { extension, content } of files) {
    const path = join(dir, `${name}${extension}`);
    await writeAtomically(path, content);
    paths.push(path);
  }
  return paths;
}

async function writeAtomically(path: string, content: string): Promise<void> {
  const temp = `${path}.${process.pid}.tmp`;
  await writeFile(temp, content, 'utf8');
  await rename(temp, path);
}
