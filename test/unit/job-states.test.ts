import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { ENDED_JOB_STATES, isTerminalJobState, TERMINAL_JOB_STATES } from '../../src/policy/job-states';

describe("Flink's terminal job states, defined once", () => {
  it.each([
    ['FINISHED', true],
    ['CANCELED', true],
    ['FAILED', true],
    ['RUNNING', false],
    ['CREATED', false],
    ['INITIALIZING', false],
    ['RESTARTING', false],
    ['FAILING', false],
    ['CANCELLING', false],
    ['SUSPENDED', false],
    ['RECONCILING', false],
    ['MISSING', false],
  ])('%s is terminal: %s', (state, terminal) => {
    expect(isTerminalJobState(state)).toBe(terminal);
  });
});

describe('the ended states a wait waits for', () => {
  it('are exactly the terminal states', () => {
    expect(new Set(ENDED_JOB_STATES)).toEqual(TERMINAL_JOB_STATES);
  });
});

const SRC = join(import.meta.dirname, '../../src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** Array literals naming every terminal state: a copy of the list, which drifts. */
function terminalStateLists(file: string, code: string): string[] {
  const source = ts.createSourceFile(file, code, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isArrayLiteralExpression(node)) {
      const texts = new Set(node.elements.filter(ts.isStringLiteral).map((e) => e.text));
      if (ENDED_JOB_STATES.every((state) => texts.has(state)))
        found.push(`${file}:${source.getLineAndCharacterOfPosition(node.getStart()).line + 1}`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe('the terminal states in src/', () => {
  it('are listed only in policy/job-states.ts', () => {
    const copies = sourceFiles(SRC)
      .map((path) => relative(SRC, path))
      .filter((file) => file !== join('policy', 'job-states.ts'))
      .flatMap((file) => terminalStateLists(file, readFileSync(join(SRC, file), 'utf8')));
    expect(copies).toEqual([]);
  });

  it('finds a copy, in any order and beside other states', () => {
    expect(
      terminalStateLists('x.ts', "wait({ states: ['RUNNING', 'FAILED', 'FINISHED', 'CANCELED'] });"),
    ).toEqual(['x.ts:1']);
  });
});
