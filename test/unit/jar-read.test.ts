import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspectJar } from '../../src/activities/savepoints';
import { manifestAttributes, readJar } from '../../src/jar/read';

/**
 * A fat jar past the classic zip format's limit of 65,535 entries needs ZIP64: its 16-bit entry
 * count wraps, so a reader without ZIP64 sees only part of it. The manifest and the entry class
 * are written last, past entry 65,535, where only a ZIP64 reader finds them.
 */
const FILLER = 70_000;
const dir = mkdtempSync(join(tmpdir(), 'jar-read-'));
const jar = join(dir, 'fat.jar');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

beforeAll(() => {
  // Info-ZIP's zip switches to ZIP64 past 65,535 entries and keeps the order it is given (-@).
  const files = join(dir, 'files');
  mkdirSync(join(files, 'lib'), { recursive: true });
  mkdirSync(join(files, 'com/example'), { recursive: true });
  mkdirSync(join(files, 'META-INF'), { recursive: true });
  execFileSync('sh', ['-c', `seq 0 ${FILLER - 1} | sed 's|.*|lib/c&.class|' | xargs touch`], { cwd: files });
  writeFileSync(join(files, 'com/example/Pipeline.class'), 'cafebabe');
  writeFileSync(
    join(files, 'META-INF/MANIFEST.MF'),
    'Manifest-Version: 1.0\r\nMain-Class: com.example.Pipeline\r\nImplementation-Version: 7\r\n',
  );
  const names = [
    ...Array.from({ length: FILLER }, (_, i) => `lib/c${i}.class`),
    'com/example/Pipeline.class',
    'META-INF/MANIFEST.MF',
  ];
  execFileSync('zip', ['-q', '-0', jar, '-@'], { cwd: files, input: names.join('\n') });
}, 60_000);

describe('a ZIP64 jar with more than 65,535 entries', () => {
  it('is read whole: the entries past 65,535, the entry class and the manifest among them', async () => {
    const found = await inspectJar({ jar, entryClass: 'com.example.Pipeline' });
    expect(found).toMatchObject({
      isJar: true,
      entries: FILLER + 2,
      hasEntryClass: true,
      mainClass: 'com.example.Pipeline',
      implementationVersion: '7',
    });
  });
});

describe('readJar', () => {
  it('says what is wrong with a file that is not a zip, as a typed error', async () => {
    await expect(readJar(Buffer.from('not a zip at all'))).rejects.toMatchObject({
      name: 'JarUnreadable',
      message: expect.stringMatching(/^not a zip file: /),
    });
  });

  it('joins continuation lines of the manifest', () => {
    expect(manifestAttributes('Main-Class: com.example.Very\r\n LongName\r\nX-Empty:\r\n')).toEqual({
      'Main-Class': 'com.example.VeryLongName',
      'X-Empty': '',
    });
  });
});
