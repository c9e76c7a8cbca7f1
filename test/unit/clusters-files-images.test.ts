import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadClustersFile } from '../../src/config/load';
import { planContainers } from '../../src/docker/container-plan';

/**
 * Every clusters file the sandboxes, the e2e suites, the benches and the examples run still loads,
 * and plans each Flink container on the image built for its Flink version: the choice of image
 * from flinkVersion must leave the 1.20 clusters on the image they always ran.
 */
const FILES: Record<string, { flink: string; zookeeper: string }> = {
  'sandbox/clusters.yaml': {
    flink: 'flink-runbooks/flink:1.20.3',
    zookeeper: 'flink-runbooks/zookeeper:3.8',
  },
  'sandbox/clusters-flink-2.3.yaml': {
    flink: 'flink-runbooks/flink:2.3.0',
    zookeeper: 'flink-runbooks/zookeeper:3.8',
  },
  'test/e2e/fixtures/crash-sandbox.yaml': {
    flink: 'flink-runbooks/flink:1.20.3',
    zookeeper: 'flink-runbooks/zookeeper:3.8',
  },
  'test/e2e/fixtures/deploy-sandbox.yaml': {
    flink: 'flink-runbooks/flink:1.20.3',
    zookeeper: 'flink-runbooks/zookeeper:3.8',
  },
  'test/e2e/fixtures/drill-sandbox.yaml': {
    flink: 'flink-runbooks/flink:1.20.3',
    zookeeper: 'flink-runbooks/zookeeper:3.8',
  },
  'test/e2e/fixtures/secure-sandbox.yaml': {
    flink: 'flink-runbooks/flink:1.20.3',
    zookeeper: 'flink-runbooks/zookeeper:3.8',
  },
  'test/e2e/fixtures/upgrade-sandbox.yaml': {
    flink: 'flink-runbooks/flink:1.20.3',
    zookeeper: 'flink-runbooks/zookeeper:3.8',
  },
  'bench/fixtures/bench-sandbox.yaml': {
    flink: 'flink-runbooks/flink:1.20.3',
    zookeeper: 'flink-runbooks/zookeeper:3.8',
  },
  'examples/clusters.yaml': {
    flink: 'flink-runbooks/flink:1.20.3',
    zookeeper: 'flink-runbooks/zookeeper:3.8',
  },
};

const path = (file: string) => fileURLToPath(new URL(`../../${file}`, import.meta.url));

async function imagesOf(file: string, env: NodeJS.ProcessEnv = {}) {
  const { clusters } = await loadClustersFile(path(file), env);
  expect(Object.keys(clusters).length, file).toBeGreaterThan(0);
  return Object.entries(clusters).map(([name, spec]) => {
    const planned = planContainers({ name, ...spec });
    const byRole = Object.fromEntries(
      ['zookeeper', 'jobmanager', 'taskmanager'].map((role) => [
        role,
        planned.filter((c) => c.role === role).map((c) => c.image),
      ]),
    );
    return { name, byRole };
  });
}

describe('the clusters files in the repository', () => {
  for (const [file, expected] of Object.entries(FILES)) {
    it(`${file} loads and plans ${expected.flink}`, async () => {
      for (const { name, byRole } of await imagesOf(file)) {
        expect(byRole.jobmanager?.length, `${file} ${name}`).toBeGreaterThan(0);
        expect(byRole.taskmanager?.length, `${file} ${name}`).toBeGreaterThan(0);
        for (const role of ['jobmanager', 'taskmanager'])
          for (const image of byRole[role] ?? [])
            expect(image, `${file} ${name} ${role}`).toBe(expected.flink);
        for (const image of byRole.zookeeper ?? [])
          expect(image, `${file} ${name} zookeeper`).toBe(expected.zookeeper);
      }
    });
  }

  it('a 1.20 file that names its image through SANDBOX_FLINK_IMAGE takes the override the README gives', async () => {
    const override = 'flink:1.20.3-java17';
    for (const file of Object.keys(FILES).filter((f) => FILES[f]?.flink.endsWith(':1.20.3'))) {
      const expected = readFileSync(path(file), 'utf8').includes('SANDBOX_FLINK_IMAGE')
        ? override
        : 'flink-runbooks/flink:1.20.3';
      for (const { name, byRole } of await imagesOf(file, { SANDBOX_FLINK_IMAGE: override }))
        expect([...(byRole.jobmanager ?? []), ...(byRole.taskmanager ?? [])], `${file} ${name}`).toEqual(
          expect.arrayContaining([expected]),
        );
    }
  });
});
