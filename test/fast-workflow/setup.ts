import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import type { TestProject } from 'vitest/node';
import { workflowsPath } from '../../src/worker';
import { testServerBinary } from '../helpers/time-skipping';

declare module 'vitest' {
  export interface ProvidedContext {
    fastWorkflowBundlePath: string;
  }
}

/** One workflow bundle for every file; the test server's jars are fetched here once, not per file. */
export default async function setup(project: TestProject) {
  testServerBinary();
  const bundle = await bundleWorkflowCode({
    workflowsPath,
    logger: {
      log: () => undefined,
      trace: () => undefined,
      debug: () => undefined,
      info: () => undefined,
      warn: (message: string) => console.warn(message),
      error: (message: string) => console.error(message),
    },
  });
  const dir = mkdtempSync(join(tmpdir(), 'flink-runbooks-fast-bundle-'));
  const bundlePath = join(dir, 'workflow-bundle.js');
  writeFileSync(bundlePath, bundle.code);
  project.provide('fastWorkflowBundlePath', bundlePath);
  return () => rmSync(dir, { recursive: true, force: true });
}
