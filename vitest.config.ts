import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/**
 * Seven projects run in this order, each runnable alone (`npx vitest run --project unit`):
 * unit (pure code), fast-workflow (the runbooks' real workflow code with faked activities on
 * Temporal's time-skipping test server, and the replay of recorded histories), workflow (real
 * Temporal dev server), integration (real Flink sandbox in Docker), e2e (runbooks against the
 * sandbox), crash (a worker killed at every step, on a sandbox of its own), flink2 (the e2e core
 * on a Flink 2.3 sandbox of its own), engines (a cluster on two Docker engines) and takeover (two
 * workers on one task queue, one killed).
 * The Temporal SDK's native runtime needs forks.
 */
const common = {
  pool: 'forks' as const,
  environment: 'node' as const,
  // Tests write drill reports into throw-away folders: the worker's operator allows the temp folder.
  env: { FLINK_RUNBOOKS_REPORT_ROOTS: tmpdir() },
};

export default defineConfig({
  test: {
    // The JSON copy lets CI end its log with the list of failures (scripts/failed-tests.ts).
    reporters: [
      'default',
      ['json', { outputFile: process.env.VITEST_JSON_REPORT ?? '.data/test-results.json' }],
    ],
    projects: [
      { test: { ...common, name: 'unit', include: ['test/unit/**/*.test.ts'], sequence: { groupOrder: 0 } } },
      {
        test: {
          ...common,
          name: 'fast-workflow',
          include: ['test/fast-workflow/**/*.test.ts'],
          globalSetup: ['test/fast-workflow/setup.ts'],
          sequence: { groupOrder: 1 },
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          ...common,
          name: 'workflow',
          include: ['test/workflow/**/*.test.ts'],
          globalSetup: ['test/setup/temporal-server.ts'],
          sequence: { groupOrder: 2 },
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          ...common,
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/setup/sandbox.ts'],
          // One sandbox, shared: files run one after another so a failover test does not meet a job test.
          poolOptions: { forks: { singleFork: true } },
          sequence: { groupOrder: 3 },
          testTimeout: 240_000,
          hookTimeout: 600_000,
        },
      },
      {
        test: {
          ...common,
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          exclude: ['test/e2e/crash-points.test.ts', 'test/e2e/cdc-*.test.ts'],
          globalSetup: [
            'test/setup/temporal-server.ts',
            'test/setup/sandbox.ts',
            'test/setup/worker-image.ts',
          ],
          // The e2e tests hand the runbooks variants of their sandbox as inline specs; their workers'
          // operator allows that (and each spec stays within its clusters file's paths and hosts).
          env: { ...common.env, FLINK_RUNBOOKS_ALLOW_INLINE_SPECS: 'true' },
          poolOptions: { forks: { singleFork: true } },
          sequence: { groupOrder: 4 },
          testTimeout: 600_000,
          hookTimeout: 600_000,
        },
      },
      {
        test: {
          ...common,
          // The CDC sandbox (PostgreSQL, the fault proxy, the cdc-pipeline cluster and its Flink CDC
          // job), which the CDC tests bring up themselves; in the second process (scripts/test.sh).
          name: 'cdc',
          include: ['test/e2e/cdc-*.test.ts'],
          globalSetup: ['test/setup/temporal-server.ts', 'test/setup/images.ts'],
          env: { ...common.env, FLINK_RUNBOOKS_ALLOW_INLINE_SPECS: 'true' },
          poolOptions: { forks: { singleFork: true } },
          sequence: { groupOrder: 4 },
          testTimeout: 600_000,
          hookTimeout: 600_000,
        },
      },
      {
        test: {
          ...common,
          // The crash tests run on their own sandbox (crash-* containers, their own ports and
          // Temporal server). `npm test` runs them in a second vitest process beside integration
          // and e2e (scripts/test.sh): most of their time is waiting for the server to notice each
          // killed worker, which costs the other tests next to nothing.
          name: 'crash',
          include: ['test/e2e/crash-points.test.ts'],
          globalSetup: ['test/setup/temporal-server.ts', 'test/setup/images.ts'],
          env: { ...common.env, FLINK_RUNBOOKS_ALLOW_INLINE_SPECS: 'true' },
          sequence: { groupOrder: 4 },
          testTimeout: 900_000,
          hookTimeout: 600_000,
        },
      },
      {
        test: {
          ...common,
          // The e2e core on Flink 2.3 (sandbox/clusters-flink-2.3.yaml: flink2-* containers, ports
          // 2681/8681/8682/66xx, a Temporal server of its own), run after the crash tests in the
          // second vitest process beside integration and e2e (scripts/test.sh).
          name: 'flink2',
          include: ['test/flink2/**/*.test.ts'],
          globalSetup: ['test/setup/temporal-server.ts', 'test/setup/flink2-images.ts'],
          env: {
            ...common.env,
            FLINK_RUNBOOKS_CLUSTERS: fileURLToPath(
              new URL('./sandbox/clusters-flink-2.3.yaml', import.meta.url),
            ),
            SANDBOX_CLUSTER: 'realtime-pipeline-flink2',
            // Its first deploy hands the runbook the same cluster on 1.20 as an inline spec.
            FLINK_RUNBOOKS_ALLOW_INLINE_SPECS: 'true',
          },
          poolOptions: { forks: { singleFork: true } },
          sequence: { groupOrder: 5 },
          testTimeout: 600_000,
          hookTimeout: 600_000,
        },
      },
      {
        test: {
          ...common,
          // One cluster on two Docker engines (sandbox/clusters-two-engines.yaml: engines-* containers,
          // ports 2781/8781/8782/67xx, a second dockerd, a Temporal server of its own), run after
          // flink2 in the second vitest process (scripts/test.sh).
          name: 'engines',
          include: ['test/engines/**/*.test.ts'],
          globalSetup: ['test/setup/temporal-server.ts', 'test/setup/two-engines.ts'],
          env: {
            ...common.env,
            FLINK_RUNBOOKS_CLUSTERS: fileURLToPath(
              new URL('./sandbox/clusters-two-engines.yaml', import.meta.url),
            ),
            SANDBOX_CLUSTER: 'two-engines',
          },
          poolOptions: { forks: { singleFork: true } },
          sequence: { groupOrder: 6 },
          testTimeout: 600_000,
          hookTimeout: 600_000,
        },
      },
      {
        test: {
          ...common,
          // Two worker processes on one task queue, one SIGKILLed (test/takeover): synthetic jobs
          // answered by a replay server and a local ZooKeeper process, no Docker, a Temporal server
          // of its own. Run after engines in the second vitest process (scripts/test.sh).
          name: 'takeover',
          include: ['test/takeover/**/*.test.ts'],
          globalSetup: ['test/setup/temporal-server.ts'],
          poolOptions: { forks: { singleFork: true } },
          sequence: { groupOrder: 7 },
          testTimeout: 300_000,
          hookTimeout: 180_000,
        },
      },
      {
        test: {
          ...common,
          // README's Quick start on a clean clone with a cache of its own (test/quickstart): the
          // demo on 7233/8233/9464 and a sandbox of its own; last in the second process (scripts/test.sh).
          name: 'quickstart',
          include: ['test/quickstart/**/*.test.ts'],
          poolOptions: { forks: { singleFork: true } },
          sequence: { groupOrder: 8 },
          testTimeout: 900_000,
          hookTimeout: 300_000,
        },
      },
    ],
  },
});
