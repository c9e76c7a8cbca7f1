import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Client } from '@temporalio/client';
import proto from '@temporalio/proto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, makeTelemetryFilterString, Runtime } from '@temporalio/worker';
import { SEARCH_ATTRIBUTE_NAMES } from '../../src/shared';
import { useTemporalClient } from '../../src/temporal/client-holder';

const ensureScript = fileURLToPath(new URL('../../scripts/ensure-temporal-test-server.sh', import.meta.url));
const KEYWORD = proto.temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD;

/** The launcher of Temporal's time-skipping test server (fetched into the cache once). */
export function testServerBinary(): string {
  return execFileSync('bash', [ensureScript], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  }).trim();
}

let runtimeInstalled = false;
function quietRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  try {
    // The SDK's own notes on cancelled activities of finished test workflows are not news here.
    Runtime.install({
      logger: new DefaultLogger('ERROR'),
      telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'ERROR' }), forward: {} } },
    });
  } catch {
    // Already installed in this process: keep that one.
  }
}

/**
 * A time-skipping Temporal server for one test file, with the runbooks' search attributes
 * registered: timers of hours fire as soon as the workflow has nothing else to do.
 */
export async function startTimeSkippingServer(): Promise<TestWorkflowEnvironment> {
  quietRuntime();
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: testServerBinary() } },
  });
  await env.connection.operatorService.addSearchAttributes({
    namespace: env.namespace ?? 'default',
    searchAttributes: Object.fromEntries(SEARCH_ATTRIBUTE_NAMES.map((name) => [name, KEYWORD])),
  });
  // Activities that talk to other workflows (the monitor's lease) use this server too.
  useTemporalClient(env.client as unknown as Client);
  return env;
}
