import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';

/**
 * What a FileSink left in its output directory. Committed part files are visible; in-progress
 * ones are hidden (`.part-<uuid>-<n>.csv.inprogress.<uuid>`) until a checkpoint commits them.
 */
export interface OutputFile {
  path: string;
  size: number;
  mtimeMs: number;
}

export interface OutputListing {
  committed: OutputFile[];
  inProgress: OutputFile[];
}

/** `*.csv` style patterns: `*` matches within a name, nothing else is special. */
export function globToRegExp(pattern: string): RegExp {
  const escaped = pattern.replace(/[.+^${}()|[\]\\?]/g, '\\$&').replace(/\*/g, '[^/]*');
  return new RegExp(`^${escaped}$`);
}

async function walk(dir: string, found: string[] = []): Promise<string[]> {
  let entries: import('node:fs').Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return found;
    throw error;
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) await walk(path, found);
    else if (entry.isFile()) found.push(path);
  }
  return found;
}

export async function listOutput(dir: string, pattern = '*.csv'): Promise<OutputListing> {
  const matches = globToRegExp(pattern);
  const listing: OutputListing = { committed: [], inProgress: [] };
  for (const path of await walk(dir)) {
    const name = relative(dir, path).split('/').at(-1) ?? '';
    const info = await stat(path).catch(() => undefined);
    if (!info) continue; // committed or cleaned up between readdir and stat
    const file = { path, size: info.size, mtimeMs: info.mtimeMs };
    if (name.includes('.inprogress')) listing.inProgress.push(file);
    else if (!name.startsWith('.') && matches.test(name)) listing.committed.push(file);
  }
  listing.committed.sort((a, b) => a.mtimeMs - b.mtimeMs);
  return listing;
}

/** Reads every row of the committed files. */
export async function readCommittedRows(dir: string, pattern = '*.csv'): Promise<string[][]> {
  const { committed } = await listOutput(dir, pattern);
  const rows: string[][] = [];
  for (const file of committed) {
    const text = await readFile(file.path, 'utf8').catch(() => '');
    for (const line of text.split('\n')) if (line.trim() !== '') rows.push(line.split(','));
  }
  return rows;
}
