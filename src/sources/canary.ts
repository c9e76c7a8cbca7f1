import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { listOutput } from '../output/files';

/**
 * The canary: one row the monitor inserts into the source's canary table when a job has
 * written nothing for a while. Its marker is unique and recognisable, `canary-<ms>-<hex>`, and
 * its id is the time it was written (epoch ms), so a data check can skip canary rows by table,
 * by marker prefix or by id range. Finding the marker in any committed row proves the pipeline
 * end to end, whatever the output's format.
 */
export const CANARY_PREFIX = 'canary-';

export function newCanary(now: number = Date.now(), random: string = randomBytes(4).toString('hex')) {
  return { id: now, marker: `${CANARY_PREFIX}${now}-${random}` };
}

/** Kernel file times run a little behind the wall clock. */
const MTIME_SLACK_MS = 2_000;

/** True when a committed file written since `since` holds `marker`; reads only those files. */
export async function canaryInOutput(
  output: { path: string; pattern: string },
  marker: string,
  since: number,
): Promise<boolean> {
  const { committed } = await listOutput(output.path, output.pattern);
  for (const file of committed) {
    if (file.mtimeMs < since - MTIME_SLACK_MS) continue;
    const text = await readFile(file.path, 'utf8').catch(() => '');
    if (text.includes(marker)) return true;
  }
  return false;
}
