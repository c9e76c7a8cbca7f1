import type { Readable } from 'node:stream';
import yauzl from 'yauzl';

/**
 * A jar's table of contents and its manifest, read with yauzl (ZIP64 included: a fat jar often
 * holds more than 65,535 entries). Only the manifest is decompressed.
 */
export class JarUnreadableError extends Error {
  override name = 'JarUnreadable';
}

export interface JarContents {
  /** Every entry's name, directories included, in central-directory order. */
  entryNames: string[];
  /** META-INF/MANIFEST.MF's main attributes; empty when the jar has none. */
  manifest: Record<string, string>;
}

const MANIFEST = 'META-INF/MANIFEST.MF';

export async function readJar(bytes: Buffer): Promise<JarContents> {
  let zip: yauzl.ZipFile;
  try {
    zip = await yauzl.fromBufferPromise(bytes, { lazyEntries: true });
  } catch (error) {
    throw new JarUnreadableError(`not a zip file: ${(error as Error).message}`);
  }
  const entryNames: string[] = [];
  let manifestText: string | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      zip.on('error', reject);
      zip.on('end', () => resolve());
      zip.on('entry', (entry: yauzl.Entry) => {
        entryNames.push(entry.fileName);
        if (entry.fileName !== MANIFEST || manifestText !== undefined) return zip.readEntry();
        zip
          .openReadStreamPromise(entry)
          .then(readText)
          .then((text) => {
            manifestText = text;
            zip.readEntry();
          }, reject);
      });
      zip.readEntry();
    });
  } catch (error) {
    throw new JarUnreadableError(`corrupt zip: ${(error as Error).message}`);
  } finally {
    zip.close();
  }
  return { entryNames, manifest: manifestText === undefined ? {} : manifestAttributes(manifestText) };
}

async function readText(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** The manifest's `Name: value` lines; a continuation line starts with one space. */
export function manifestAttributes(text: string): Record<string, string> {
  const lines = text.replace(/\r?\n /g, '').split(/\r?\n/);
  return Object.fromEntries(
    lines
      .map((line) => /^([A-Za-z0-9_-]+):\s*(.*)$/.exec(line))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => [m[1] as string, (m[2] as string).trim()]),
  );
}
