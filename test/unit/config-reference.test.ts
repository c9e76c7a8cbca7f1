import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repo = fileURLToPath(new URL('../..', import.meta.url));

describe('docs/configuration.md', () => {
  it('is what the schema generates today', () => {
    expect(() =>
      execFileSync(process.execPath, ['--import', 'tsx', 'scripts/config-reference.ts', '--check'], {
        cwd: repo,
        stdio: 'pipe',
      }),
    ).not.toThrow();
  });
});
