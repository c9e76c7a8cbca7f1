import type { TestProject } from 'vitest/node';
import { prepareWorkerImage } from '../../scripts/lib/sandbox';

/**
 * For test/e2e/worker-container.test.ts: the worker's container image, built before the tests
 * (about a minute and a half when the sources changed, a no-op otherwise). A build inside a test
 * would block its process for that long, and vitest counts the silence as a lost worker.
 */
export default async function setup(project: TestProject) {
  project.provide('workerImage', prepareWorkerImage());
}

declare module 'vitest' {
  export interface ProvidedContext {
    workerImage: string;
  }
}
