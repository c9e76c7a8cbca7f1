import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nextPause, readableOutput } from '../../src/activities/watch';

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

describe('nextPause', () => {
  it.each<[string, number, boolean, number | undefined, number]>([
    ['a settled verdict waits the interval', 60_000, false, undefined, 60_000],
    ['a new verdict is looked at again in 5 s', 60_000, true, undefined, 5_000],
    ['building evidence asks for its own time', 60_000, false, 21_000, 21_000],
    ['never sooner than the confirmation look', 60_000, false, 1_000, 5_000],
    ['never later than the interval', 60_000, false, 90_000, 60_000],
    ['a short interval stays short', 2_000, true, 21_000, 2_000],
  ])('%s', (_what, interval, candidate, lookAgain, pause) =>
    expect(nextPause(interval, candidate, lookAgain)).toBe(pause),
  );
});
