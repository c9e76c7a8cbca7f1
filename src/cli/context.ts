import { Client, type Connection } from '@temporalio/client';
import { dataConverterFromEnv } from '../temporal/codec';
import { type TemporalSettings, temporalSettingsFromEnv } from '../temporal/connection';
import { UsageError } from './exit-codes';
import { connectToTemporal } from './temporal-client';
import { validateBeforeContact } from './validate';

/** What every command gets: parsed options, a Temporal client made on first use, and output. */
export interface CliContext {
  options: Record<string, string | boolean | undefined>;
  positionals: string[];
  json: boolean;
  settings: TemporalSettings;
  client(): Promise<Client>;
  /** Prints a result: JSON with --json, else the human text. */
  print(result: unknown, human: string): void;
  /** Progress lines for people; silent with --json so scripts read clean JSON. */
  progress(line: string): void;
  close(): Promise<void>;
}

export { EXIT, UsageError } from './exit-codes';

export function makeContext(options: CliContext['options'], positionals: string[]): CliContext {
  const json = options.json === true;
  const settings = temporalSettingsFromEnv();
  let connection: Connection | undefined;
  let client: Client | undefined;
  return {
    options,
    positionals,
    json,
    settings,
    async client() {
      if (!client) {
        await validateBeforeContact(options);
        connection = await connectToTemporal(settings, '5s');
        client = new Client({
          connection,
          namespace: settings.namespace,
          dataConverter: dataConverterFromEnv(),
        });
      }
      return client;
    },
    print(result, human) {
      console.log(json ? JSON.stringify(result, null, 2) : human);
    },
    progress(line) {
      if (!json) console.error(line);
    },
    async close() {
      await connection?.close();
    },
  };
}

export function required(ctx: CliContext, name: string): string {
  const value = ctx.options[name];
  if (typeof value !== 'string' || value === '') throw new UsageError(`--${name} is required`);
  return value;
}
