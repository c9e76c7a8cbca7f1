import { Client, Connection } from '@temporalio/client';
import { dataConverterFromEnv } from './codec';
import { connectionOptions, temporalSettingsFromEnv } from './connection';

/**
 * The Temporal client that activities use to talk to other workflows (a monitor's lease, its
 * signals). The worker hands over its own; otherwise one is made from the environment.
 */
let client: Client | undefined;

export function useTemporalClient(given: Client): void {
  client = given;
}

export async function temporalClient(): Promise<Client> {
  if (!client) {
    const settings = temporalSettingsFromEnv();
    client = new Client({
      connection: await Connection.connect(connectionOptions(settings)),
      namespace: settings.namespace,
      dataConverter: dataConverterFromEnv(),
    });
  }
  return client;
}
