import { Connection } from '@temporalio/client';
import { connectionOptions, type TemporalSettings } from '../temporal/connection';
import { TemporalUnreachableError } from './exit-codes';

/**
 * Connects the CLI to Temporal. The SDK reports a server it cannot reach with a plain Error, so
 * the failure is given its type here, where it happens: the exit code (3) is chosen from that
 * type. Options the SDK refuses (a TypeError) are a configuration mistake and keep their own type.
 */
export async function connectToTemporal(
  settings: TemporalSettings,
  connectTimeout?: string,
): Promise<Connection> {
  try {
    return await Connection.connect({
      ...connectionOptions(settings),
      ...(connectTimeout ? { connectTimeout } : {}),
    });
  } catch (error) {
    if (error instanceof TypeError) throw error;
    throw new TemporalUnreachableError(
      `Temporal at ${settings.address} cannot be reached: ${(error as Error).message}`,
      { cause: error },
    );
  }
}
