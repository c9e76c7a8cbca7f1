import type { TestProject } from 'vitest/node';
import { prepareFlink2Sandbox } from '../../scripts/lib/sandbox';

/**
 * For the Flink 2.3 project: the Docker engine, the 2.3.0 image and the FLIP-27 jars. No cluster
 * is started: its first test deploys it from nothing with the deploy runbook.
 */
export default async function setup(_project: TestProject) {
  prepareFlink2Sandbox();
}
