import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import type { TestProject } from 'vitest/node';
import { type DevServer, freePort, startDevServer } from '../../scripts/lib/temporal-dev-server';
import { workflowsPath } from '../../src/worker';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    temporalUiUrl: string;
    workflowBundlePath: string;
  }
}

/** One real Temporal dev server (with its Web UI, for the browser test) and one workflow bundle for the whole run. */
export default async function setup(project: TestProject) {
  const [server, bundle] = await Promise.all([
    startDevServer({ port: await freePort(), uiPort: await freePort() }) as Promise<DevServer>,
    bundleWorkflowCode({ workflowsPath, logger: quietLogger }),
  ]);
  const dir = mkdtempSync(join(tmpdir(), 'flink-runbooks-bundle-'));
  const bundlePath = join(dir, 'workflow-bundle.js');
  writeFileSync(bundlePath, bundle.code);
  project.provide('temporalAddress', server.address);
  project.provide('temporalUiUrl', server.uiUrl ?? '');
  project.provide('workflowBundlePath', bundlePath);
  return async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  };
}

const quietLogger = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: (message: string) => console.warn(message),
  error: (message: string) => console.error(message),
};
