/**
 * `npm run build`: compiles src/ to dist/ (tsconfig.build.json) as ES modules that plain `node`
 * runs. The sources import each other without extensions (`./temporal/codec`, `./activities`),
 * which Node's ES module loader does not resolve; the emit rewrites every relative specifier to the
 * file it names (`./temporal/codec.js`, `./activities/index.js`) and fails on one it cannot find.
 * The workflows are compiled too: the worker hands dist/workflows/index.js to Temporal's bundler.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';

export class UnresolvedImportError extends Error {
  override name = 'UnresolvedImport';
}

/** The specifier Node needs for `specifier` imported from `fromFile`, a source file. */
export function runnableSpecifier(specifier: string, fromFile: string): string {
  if (!specifier.startsWith('./') && !specifier.startsWith('../')) return specifier;
  if (/\.(js|mjs|cjs|json)$/.test(specifier)) return specifier;
  const base = resolve(dirname(fromFile), specifier);
  if (specifier.endsWith('.ts') && existsSync(base)) return specifier.replace(/\.ts$/, '.js');
  if (existsSync(`${base}.ts`)) return `${specifier}.js`;
  if (existsSync(resolve(base, 'index.ts'))) return `${specifier.replace(/\/$/, '')}/index.js`;
  throw new UnresolvedImportError(`${fromFile}: cannot find the module "${specifier}" imports`);
}

function rewriteSpecifiers(context: ts.TransformationContext) {
  const { factory } = context;
  return (sourceFile: ts.SourceFile): ts.SourceFile => {
    const literal = (node: ts.Expression) =>
      ts.isStringLiteral(node)
        ? factory.createStringLiteral(runnableSpecifier(node.text, sourceFile.fileName))
        : node;
    const visit = (node: ts.Node): ts.Node => {
      if (ts.isImportDeclaration(node)) {
        return factory.updateImportDeclaration(
          node,
          node.modifiers,
          node.importClause,
          literal(node.moduleSpecifier),
          node.attributes,
        );
      }
      if (ts.isExportDeclaration(node) && node.moduleSpecifier) {
        return factory.updateExportDeclaration(
          node,
          node.modifiers,
          node.isTypeOnly,
          node.exportClause,
          literal(node.moduleSpecifier),
          node.attributes,
        );
      }
      if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
        const [first, ...rest] = node.arguments;
        if (first)
          return factory.updateCallExpression(node, node.expression, undefined, [literal(first), ...rest]);
      }
      return ts.visitEachChild(node, visit, context);
    };
    return ts.visitEachChild(sourceFile, visit, context);
  };
}

export interface BuildOptions {
  /** Instead of the config's outDir (tests build into a folder of their own). */
  outDir?: string;
  /** false: compile each file alone (isolatedModules), seconds faster, no type errors reported. */
  typecheck?: boolean;
}

/**
 * Compiles the project named by `configPath` into its outDir, emptied first; returns the
 * diagnostics as text, empty when clean.
 */
export function build(configPath: string, options: BuildOptions = {}): string {
  const parsed = ts.getParsedCommandLineOfConfigFile(configPath, undefined, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => {
      throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    },
  });
  if (!parsed) throw new Error(`cannot read ${configPath}`);
  const outDir = options.outDir ?? parsed.options.outDir;
  const rootDir = parsed.options.rootDir;
  if (!outDir || !rootDir) throw new Error(`${configPath} must set rootDir and outDir`);
  rmSync(outDir, { recursive: true, force: true });
  const compilerOptions = { ...parsed.options, outDir };
  if (options.typecheck === false) {
    for (const fileName of parsed.fileNames.filter((f) => !f.endsWith('.d.ts'))) {
      const { outputText } = ts.transpileModule(readFileSync(fileName, 'utf8'), {
        compilerOptions,
        fileName,
        transformers: { after: [rewriteSpecifiers] },
      });
      const target = join(outDir, relative(rootDir, fileName)).replace(/\.ts$/, '.js');
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, outputText);
    }
    return '';
  }
  const program = ts.createProgram({ rootNames: parsed.fileNames, options: compilerOptions });
  const emitted = program.emit(undefined, undefined, undefined, false, { after: [rewriteSpecifiers] });
  const diagnostics = [...ts.getPreEmitDiagnostics(program), ...emitted.diagnostics];
  return ts.formatDiagnosticsWithColorAndContext(diagnostics, {
    getCanonicalFileName: (f) => f,
    getCurrentDirectory: () => process.cwd(),
    getNewLine: () => '\n',
  });
}

/** `tsx scripts/build.ts [--out-dir DIR]`: the worker image's build compiles into its own folder. */
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const at = process.argv.indexOf('--out-dir');
  const outDir = at > 0 ? resolve(process.argv[at + 1] ?? '') : undefined;
  const started = Date.now();
  const problems = build(resolve(root, 'tsconfig.build.json'), { outDir });
  if (problems) {
    console.error(problems);
    process.exit(1);
  }
  const into = outDir && relative(root, outDir).startsWith('..') ? outDir : relative(root, outDir ?? 'dist');
  console.log(`compiled src/ to ${into}/ in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
