/**
 * Starts a runbook and prints its result: `tsx scripts/start-workflow.ts clusterStatus '{"cluster":"realtime-pipeline"}'`.
 * The same JSON is what the Temporal UI's Start Workflow form takes.
 */
import { Client, Connection } from '@temporalio/client';
import { dataConverterFromEnv } from '../src/temporal/codec';
import { connectionOptions, temporalSettingsFromEnv } from '../src/temporal/connection';

const [workflowType, inputJson = '{}', workflowId] = process.argv.slice(2);
if (!workflowType) {
  console.error("usage: start-workflow.ts <workflowType> '<json input>' [workflowId]");
  process.exit(2);
}
const settings = temporalSettingsFromEnv();
const connection = await Connection.connect(connectionOptions(settings));
const client = new Client({
  connection,
  namespace: settings.namespace,
  dataConverter: dataConverterFromEnv(),
});
const handle = await client.workflow.start(workflowType, {
  taskQueue: settings.taskQueue,
  workflowId: workflowId ?? `${workflowType}-${Date.now()}`,
  args: [JSON.parse(inputJson)],
});
console.error(`started ${workflowType} as ${handle.workflowId}`);
try {
  console.log(JSON.stringify(await handle.result(), null, 2));
} catch (error) {
  const cause = (error as { cause?: Error }).cause;
  console.error(`${workflowType} failed: ${cause?.message ?? (error as Error).message}`);
  process.exitCode = 1;
} finally {
  await connection.close();
}
