import type { TestProject } from 'vitest/node';
import { prepareSandbox } from '../../scripts/lib/sandbox';

/**
 * For a project that brings up its own cluster (the crash tests' `crash-*` sandbox): the Docker
 * engine, the images and the jars, each a no-op when already there. No sandbox is started.
 */
export default async function setup(_project: TestProject) {
  prepareSandbox();
}
