import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { FAILURE } from '../../src/temporal/failure-types';

const SRC = join(import.meta.dirname, '../../src');
const CATALOG = 'temporal/failure-types.ts';
const NAMES: ReadonlySet<string> = new Set(Object.values(FAILURE));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

const isText = (node: ts.Node): node is ts.StringLiteral | ts.NoSubstitutionTemplateLiteral =>
  ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node);

/** `ApplicationFailure.nonRetryable(message, type)`, `.retryable(message, type)`, `.create({ type })`. */
function failureTypeArgument(node: ts.Node): ts.Node | undefined {
  if (!ts.isCallExpression(node) || !ts.isPropertyAccessExpression(node.expression)) return undefined;
  const { expression: owner, name } = node.expression;
  if (!ts.isIdentifier(owner) || owner.text !== 'ApplicationFailure') return undefined;
  if (name.text === 'nonRetryable' || name.text === 'retryable') return node.arguments[1];
  if (name.text !== 'create') return undefined;
  const options = node.arguments[0];
  if (!options || !ts.isObjectLiteralExpression(options)) return undefined;
  return options.properties.find(
    (p): p is ts.PropertyAssignment => ts.isPropertyAssignment(p) && p.name.getText() === 'type',
  )?.initializer;
}

/** Where a failure type is written as text rather than through FAILURE (or a list built from it). */
function failureTypesAsText(file: string, code: string): string[] {
  const source = ts.createSourceFile(file, code, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const at = (node: ts.Node, what: string) =>
    found.push(`${file}:${source.getLineAndCharacterOfPosition(node.getStart()).line + 1} ${what}`);
  const visit = (node: ts.Node): void => {
    if (isText(node) && NAMES.has(node.text)) at(node, `'${node.text}' (use FAILURE.${node.text})`);
    const type = failureTypeArgument(node);
    if (type && isText(type) && !NAMES.has(type.text)) at(type, `failure type '${type.text}' not in FAILURE`);
    if (ts.isPropertyAssignment(node) && node.name.getText() === 'nonRetryableErrorTypes') {
      const list = node.initializer;
      if (ts.isArrayLiteralExpression(list))
        for (const item of list.elements)
          if (isText(item) && !NAMES.has(item.text)) at(item, `final type '${item.text}' not in FAILURE`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe('failure types, named once', () => {
  it.each(Object.entries(FAILURE))('%s is the type it names', (key, type) => {
    expect(type).toBe(key);
  });

  it('src/ names every failure type through FAILURE, never as a string', () => {
    const found = sourceFiles(SRC)
      .filter((path) => relative(SRC, path) !== CATALOG)
      .flatMap((path) => failureTypesAsText(relative(SRC, path), readFileSync(path, 'utf8')));
    expect(found).toEqual([]);
  });

  it('finds a failure type written as text, and a misspelt one where a type is expected', () => {
    const code = [
      "class E extends Error { override name = 'WaitTimeout'; }",
      "throw ApplicationFailure.nonRetryable('no', 'StrayJb');",
      "ApplicationFailure.create({ type: 'UpgradeFaild', message: 'no' });",
      "const retry = { nonRetryableErrorTypes: ['LeaseHld', FAILURE.UnsafeCancel] };",
      '// a comment may say LeaseHeld or `LeaseHeld`',
      "ApplicationFailure.nonRetryable('fine', FAILURE.StrayJob);",
    ].join('\n');
    expect(failureTypesAsText('x.ts', code)).toEqual([
      "x.ts:1 'WaitTimeout' (use FAILURE.WaitTimeout)",
      "x.ts:2 failure type 'StrayJb' not in FAILURE",
      "x.ts:3 failure type 'UpgradeFaild' not in FAILURE",
      "x.ts:4 final type 'LeaseHld' not in FAILURE",
    ]);
  });
});
