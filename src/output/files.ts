import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';

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

/** Pure: sorts files into committed (matching the pattern) and in-progress (hidden, `.inprogress`). */
export function classifyOutput(files: OutputFile[], pattern = '*.csv'): OutputListing {
  const matches = globToRegExp(pattern);
  const listing: OutputListing = { committed: [], inProgress: [] };
  for (const file of files) {
    const name = file.path.split('/').at(-1) ?? '';
    if (name.includes('.inprogress')) listing.inProgress.push(file);
    else if (!name.startsWith('.') && matches.test(name)) listing.committed.push(file);
  }
  listing.committed.sort((a, b) => a.mtimeMs - b.mtimeMs);
  return listing;
}

export async function listOutput(dir: string, pattern = '*.csv'): Promise<OutputListing> {
  const files: OutputFile[] = [];
  for (const path of await walk(dir)) {
    const info = await stat(path).catch(() => undefined);
    if (info) files.push({ path, size: info.size, mtimeMs: info.mtimeMs }); // else committed or removed meanwhile
  }
  return classifyOutput(files, pattern);
}

/** Parses `find <dir> -type f -printf '%T@ %s %p\n'`, for output inside a container. */
export function parseFindListing(text: string): OutputFile[] {
  return text
    .split('\n')
    .map((line) => /^(\d+(?:\.\d+)?) (\d+) (.+)$/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ mtimeMs: Math.round(Number(m[1]) * 1000), size: Number(m[2]), path: m[3] as string }));
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
