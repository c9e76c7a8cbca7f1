import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { crc32, deflateRawSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { inspectJar } from '../../src/activities/savepoints';

/** A zip written by hand (stored and deflated entries), so the reader is checked against the format itself. */
function zip(files: Record<string, string>, comment = ''): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [name, text] of Object.entries(files)) {
    const raw = Buffer.from(text);
    const deflate = raw.length > 20;
    const data = deflate ? deflateRawSync(raw) : raw;
    const nameBytes = Buffer.from(name);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(deflate ? 8 : 0, 8);
    local.writeUInt32LE(crc32(raw), 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(raw.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(deflate ? 8 : 0, 10);
    central.writeUInt32LE(crc32(raw), 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(raw.length, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBytes, data);
    centrals.push(central, nameBytes);
    offset += 30 + nameBytes.length + data.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(Object.keys(files).length, 8);
  end.writeUInt16LE(Object.keys(files).length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  end.writeUInt16LE(Buffer.byteLength(comment), 20);
  return Buffer.concat([...locals, directory, end, Buffer.from(comment)]);
}

const dir = mkdtempSync(join(tmpdir(), 'upgrade-jar-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const write = (name: string, bytes: Buffer | string) => {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
};
const manifest =
  'Manifest-Version: 1.0\r\nMain-Class: io.flinkrunbooks.sample.SamplePipeline\r\nImplementation-Version: 2\r\n';

describe('inspectJar reads the central directory and the manifest', () => {
  it('finds the entry class and the manifest attributes', async () => {
    const jar = write(
      'good.jar',
      zip(
        {
          'META-INF/MANIFEST.MF': manifest,
          'io/flinkrunbooks/sample/SamplePipeline.class': 'cafebabe',
        },
        'a comment at the end',
      ),
    );
    const found = await inspectJar({ jar, entryClass: 'io.flinkrunbooks.sample.SamplePipeline' });
    expect(found).toMatchObject({
      readable: true,
      isJar: true,
      hasEntryClass: true,
      entries: 2,
      mainClass: 'io.flinkrunbooks.sample.SamplePipeline',
      implementationVersion: '2',
    });
    expect(found.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it.each([
    ['a missing class', { 'META-INF/MANIFEST.MF': manifest }, { isJar: true, hasEntryClass: false }],
    ['an empty zip', {}, { isJar: true, hasEntryClass: false, entries: 0 }],
  ])('reports %s', async (_what, files, expected) => {
    const jar = write('x.jar', zip(files));
    expect(await inspectJar({ jar, entryClass: 'io.flinkrunbooks.sample.SamplePipeline' })).toMatchObject(
      expected,
    );
  });

  it('reports a file that is not a zip, and one that does not exist', async () => {
    expect(await inspectJar({ jar: write('text.jar', 'not a zip at all'), entryClass: 'a.B' })).toMatchObject(
      {
        readable: true,
        isJar: false,
        error: expect.stringMatching(/^not a zip file: /),
      },
    );
    expect(await inspectJar({ jar: join(dir, 'nope.jar'), entryClass: 'a.B' })).toMatchObject({
      readable: false,
      isJar: false,
      error: 'ENOENT',
    });
  });

  it('reads the sample job jar built by Maven', async () => {
    // The build script caches by a hash of the job's sources: a second build takes a moment.
    const out = mkdtempSync(join(tmpdir(), 'jars-'));
    execFileSync('bash', [fileURLToPath(new URL('../../sandbox/job/build.sh', import.meta.url)), out], {
      stdio: 'ignore',
    });
    const built = join(out, 'sample-pipeline-2.jar');
    expect(
      await inspectJar({ jar: built, entryClass: 'io.flinkrunbooks.sample.SamplePipeline' }),
    ).toMatchObject({
      isJar: true,
      hasEntryClass: true,
      mainClass: 'io.flinkrunbooks.sample.SamplePipeline',
      implementationVersion: '2',
    });
  }, 600_000);
});
