#!/usr/bin/env node
// `npx flink-runbooks ...`: the operator CLI. An installed package runs the compiled dist/ with
// plain node. A checkout of the repository (src/ beside bin/, dev dependencies installed) runs its
// TypeScript sources through tsx, so what runs is always what is checked out, built or not.
import { existsSync } from 'node:fs';

const source = new URL('../src/cli/main.ts', import.meta.url);
const compiled = new URL('../dist/cli/main.js', import.meta.url);

async function tsxLoader() {
  try {
    return await import('tsx/esm/api');
  } catch {
    return undefined;
  }
}

const tsx = existsSync(source) ? await tsxLoader() : undefined;
if (tsx) {
  tsx.register();
  await import(source.href);
} else if (existsSync(compiled)) {
  await import(compiled.href);
} else {
  console.error('flink-runbooks: dist/ is missing; run `npm run build` first');
  process.exitCode = 2;
}
