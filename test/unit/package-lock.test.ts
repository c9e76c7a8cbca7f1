import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * `npm ci`, the install CI systems and scripts/ensure-node-deps.sh run, refuses a lock file whose
 * root entry differs from package.json ("not in sync"), and installs on another platform only the
 * optional packages the lock file records (biome's and swc's native binaries are one per platform).
 */
interface LockEntry {
  version?: string;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}
interface Lock {
  lockfileVersion: number;
  packages: Record<string, LockEntry>;
}

const read = (file: string) =>
  JSON.parse(readFileSync(fileURLToPath(new URL(`../../${file}`, import.meta.url)), 'utf8'));
const manifest = read('package.json') as LockEntry & { name: string; version: string };
const lock = read('package-lock.json') as Lock;

/** Where node would find `name` from the package at `from` (a lock key), or undefined. */
function resolveInLock(packages: Lock['packages'], from: string, name: string): string | undefined {
  let dir = from;
  for (;;) {
    const key = `${dir ? `${dir}/` : ''}node_modules/${name}`;
    if (key in packages) return key;
    if (!dir) return undefined;
    const up = dir.lastIndexOf('/node_modules/');
    dir = up < 0 ? '' : dir.slice(0, up);
  }
}

/** Dependencies named by some lock entry that the lock has no entry for. */
function unresolved(packages: Lock['packages'], kinds: (keyof LockEntry)[]): string[] {
  const missing: string[] = [];
  for (const [key, entry] of Object.entries(packages)) {
    for (const kind of kinds) {
      for (const name of Object.keys((entry[kind] as Record<string, string> | undefined) ?? {})) {
        if (kind === 'peerDependencies' && entry.peerDependenciesMeta?.[name]?.optional) continue;
        if (!resolveInLock(packages, key, name)) missing.push(`${key || '(root)'} -> ${name}`);
      }
    }
  }
  return missing;
}

describe('package-lock.json', () => {
  it('records package.json as its root entry (npm ci: "not in sync" otherwise)', () => {
    const root = lock.packages[''] as LockEntry & { name?: string };
    expect(lock.lockfileVersion).toBe(3);
    expect({ name: root.name, version: root.version }).toEqual({
      name: manifest.name,
      version: manifest.version,
    });
    expect(root.dependencies ?? {}).toEqual(manifest.dependencies ?? {});
    expect(root.devDependencies ?? {}).toEqual(manifest.devDependencies ?? {});
    expect(root.optionalDependencies ?? {}).toEqual(manifest.optionalDependencies ?? {});
  });

  it('has an entry for every dependency any package names, every platform included', () => {
    expect(unresolved(lock.packages, ['dependencies', 'devDependencies', 'optionalDependencies'])).toEqual(
      [],
    );
    const platforms = (scope: string) =>
      Object.keys(lock.packages).filter((k) => k.startsWith(`node_modules/${scope}`));
    // The packages whose absence broke npm ci on another machine before.
    expect(platforms('@biomejs/cli-').length).toBeGreaterThanOrEqual(8);
    expect(platforms('@swc/core-').length).toBeGreaterThanOrEqual(8);
  });

  it('resolves from the nearest node_modules outwards, as node does', () => {
    const packages = {
      '': {},
      'node_modules/a': {},
      'node_modules/b/node_modules/a': {},
      'node_modules/b': {},
    };
    expect(resolveInLock(packages, 'node_modules/b', 'a')).toBe('node_modules/b/node_modules/a');
    expect(resolveInLock(packages, 'node_modules/c/node_modules/d', 'a')).toBe('node_modules/a');
    expect(resolveInLock(packages, '', 'e')).toBeUndefined();
    expect(
      unresolved(
        { '': { dependencies: { a: '1' } }, 'node_modules/a': { optionalDependencies: { z: '1' } } },
        ['dependencies', 'optionalDependencies'],
      ),
    ).toEqual(['node_modules/a -> z']);
  });
});
