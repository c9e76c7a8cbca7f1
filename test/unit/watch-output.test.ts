import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readableOutput } from '../../src/activities/watch';

/** A missing output folder lists as "no file"; the watch must report it, never take it for a stall. */
describe('readableOutput', () => {
  let dir: string;
  const spec = (path: string) => ({ path, pattern: '*.csv', freshness: 300_000, inProgressLimit: 600_000 });
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'watch-output-'));
    await writeFile(join(dir, 'a-file'), 'x');
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('passes a folder that exists', async () => {
    await expect(readableOutput(spec(dir))).resolves.toMatchObject({ path: dir });
  });
  it('a missing folder is an observation error naming it', async () => {
    await expect(readableOutput(spec(join(dir, 'gone')))).rejects.toThrow(
      `the output folder ${join(dir, 'gone')} does not exist`,
    );
  });
  it('a file where the folder should be is one too', async () => {
    await expect(readableOutput(spec(join(dir, 'a-file')))).rejects.toThrow(/is not a folder/);
  });
  it('output inside a container is left to find, which fails on a missing folder', async () => {
    await expect(readableOutput({ ...spec('/nowhere'), container: 'flink-tm-1' })).resolves.toMatchObject({
      path: '/nowhere',
    });
  });
});
