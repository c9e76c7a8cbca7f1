import type { TestProject } from 'vitest/node';
import { prepareTwoEngineSandbox } from '../../scripts/lib/sandbox';

/**
 * For the two-engine project: the first engine's images and jars, and a second dockerd holding
 * the Flink image. No cluster is started: its first test deploys it from nothing.
 */
export default async function setup(_project: TestProject) {
  prepareTwoEngineSandbox();
}
