import { z } from 'zod';

/**
 * A job's CDC source, as the monitor asks it whether a silent job is quiet or dead. Built from
 * the cluster schema's own pieces (durations, ports, secret references) so that both read alike;
 * schema.ts calls `sourceSchemas` once and puts the result under `jobs[].source`. Taking the
 * pieces as arguments keeps this file free of an import cycle with schema.ts.
 */
export interface SchemaParts {
  duration: z.ZodType<number, number | string>;
  port: z.ZodType<number, number>;
  secretRef: z.ZodType<{ fromEnv: string } | { fromFile: string }>;
}

/** `schema.table`, as PostgreSQL and Oracle name a captured table. */
const tableName = z
  .string()
  .regex(/^[A-Za-z_$#][\w$#]*(\.[A-Za-z_$#][\w$#]*)?$/, 'must be a table name such as public.trans_info');

export function sourceSchemas({ duration, port, secretRef }: SchemaParts) {
  const canary = z
    .strictObject({
      table: tableName.describe(
        'table the monitor inserts one row into (id bigint, marker text, written_at timestamp); the pipeline must capture it',
      ),
      quietTime: duration
        .default(300_000)
        .describe('write a canary when the job has committed no file for this long'),
      sla: duration
        .default(120_000)
        .describe("the canary must be in committed output within this (the seeds' 文件生成延迟 < 2 分钟)"),
    })
    .describe('opt-in: a row written upstream that must reach committed output, to tell quiet from dead');
  const common = {
    password: secretRef,
    tables: z.array(tableName).min(1, 'name at least one captured table'),
    deadAfter: duration
      .default(30_000)
      .describe(
        'a dead-transport sign (slot inactive, walsender gone, reply_time or the session frozen) counts once it lasted this long',
      ),
    queryTimeout: duration
      .default(5_000)
      .describe('a source that does not answer within this is reported as not answering'),
    canary: canary.optional(),
  };
  const postgres = z.strictObject({
    type: z.literal('postgres'),
    host: z.string().min(1),
    port: port.default(5432),
    database: z.string().min(1),
    user: z.string().min(1).describe('needs pg_monitor (or the slot owner) to read the slot and walsender'),
    slot: z.string().regex(/^[a-z0-9_]{1,63}$/, 'must be a replication slot name (a-z, 0-9, _)'),
    publication: z.string().min(1),
    /** Flink CDC confirms an LSN only after this many further checkpoints (scan.lsn-commit.checkpoints-num-delay). */
    commitDelayCheckpoints: z
      .number()
      .int()
      .min(0)
      .default(3)
      .describe("the connector's scan.lsn-commit.checkpoints-num-delay"),
    ...common,
  });
  const oracle = z.strictObject({
    type: z.literal('oracle'),
    connectString: z.string().min(1),
    user: z.string().min(1),
    /** The CDC connector's database user, when the monitor logs in as another. */
    cdcUser: z.string().min(1).optional().describe('the CDC connector\'s user in V$SESSION; default "user"'),
    ...common,
  });
  const source = z.discriminatedUnion('type', [postgres, oracle], {
    error: 'type must be one of postgres, oracle',
  });
  return { source, canary };
}

type Schemas = ReturnType<typeof sourceSchemas>;
export type SourceSpec = z.output<Schemas['source']>;
export type PostgresSourceSpec = Extract<SourceSpec, { type: 'postgres' }>;
export type OracleSourceSpec = Extract<SourceSpec, { type: 'oracle' }>;
export type CanarySpec = z.output<Schemas['canary']>;
