import { z } from 'zod';
import { DISK_DEFAULTS, diskSchema, HOUSEKEEPING_DEFAULTS, housekeepingSchema } from './disk-schema';
import { dockerEndpointSchema } from './docker-endpoint';
import {
  BOUNDS,
  containerPath,
  duration,
  flinkConfig,
  hasControlCharacter,
  hasDotDot,
  hostPath,
  NO_DOT_DOT,
  plainText,
  storageUri,
} from './fields';
import { defaultFlinkImage } from './flink-versions';
import { sourceSchemas } from './source-schema';
import { clusterChecks, clustersFileChecks } from './spec-checks';

/**
 * The one description of a Flink HA deployment as the seeds run it. Every entry point (clusters
 * file, workflow input, CLI) validates through these schemas; the TypeScript types are inferred.
 * Objects are strict so that a misspelt key is an error, not a silently ignored setting.
 */

const name = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]*$/, 'must be lower-case letters, digits, ".", "_" or "-"')
  .max(63);

const port = z.number().int().min(1).max(65_535);

const httpUrl = z
  .string()
  .refine((url) => !hasControlCharacter(url), 'must not contain control characters')
  .refine((url) => !hasDotDot(new URL(url, 'http://x').pathname) && !hasDotDot(url), NO_DOT_DOT)
  .url('must be a URL such as http://127.0.0.1:8081')
  .refine((url) => /^https?:\/\//.test(url), 'must be an http:// or https:// URL')
  // user:password@ in a URL would travel into workflow history with it.
  .refine(
    (url) => !/^https?:\/\/[^/?#]*@/.test(url),
    'must not carry credentials (user:password@); use rest.basicAuth with a secret reference',
  )
  .transform((url) => url.replace(/\/+$/, ''));

/** `docker:` of one node; absent: the cluster's `docker`, else the worker's own engine. */
const nodeDocker = () =>
  dockerEndpointSchema
    .optional()
    .describe(
      "the Docker engine this node runs on, as a string or {host, tls}; default the cluster's docker, else the worker's own engine",
    );

const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name');

/** Where a secret lives. A plain string here would put the secret into workflow history. */
export const secretRefSchema = z.union(
  [z.strictObject({ fromEnv: envName }), z.strictObject({ fromFile: hostPath() })],
  {
    error: (issue) =>
      typeof issue.input === 'string'
        ? 'secrets must be references like {fromEnv: NAME} or {fromFile: /path}, not inline values'
        : 'must be {fromEnv: NAME} or {fromFile: /path}',
  },
);

/** `host:port[,host:port]` as Flink's high-availability.zookeeper.quorum takes it. */
const quorum = z
  .string()
  .regex(/^[A-Za-z0-9.-]+:\d+(,[A-Za-z0-9.-]+:\d+)*$/, 'must be host:port[,host:port...]');

export const jobManagerSchema = z.strictObject({
  role: z.enum(['primary', 'standby']),
  url: httpUrl,
  container: name,
  /** Ports this JobManager binds besides REST; pinned because every container uses host networking. */
  ports: z
    .strictObject({ rpc: port, blob: port, ha: port })
    .optional()
    .describe('ports besides REST, pinned because every container uses host networking'),
  /** Extra Flink settings for this JobManager only. */
  config: flinkConfig().default({}).describe('extra Flink settings for this JobManager only'),
  docker: nodeDocker(),
});

export const taskManagerSchema = z.strictObject({
  container: name,
  ports: z.strictObject({ rpc: port, data: port }).optional(),
  config: flinkConfig().default({}),
  docker: nodeDocker(),
});

export const checkpointSettingsSchema = z
  .strictObject({
    interval: duration(BOUNDS.checkpointInterval).default(30_000),
    timeout: duration(BOUNDS.checkpointTimeout).default(180_000),
    minPause: duration(BOUNDS.checkpointMinPause).default(5_000),
    maxConcurrent: z.number().int().min(1).default(1),
    tolerableFailures: z.number().int().min(0).default(5),
  })
  .refine((c) => c.timeout >= c.interval, {
    message: 'timeout must not be shorter than interval',
    path: ['timeout'],
  });

export const outputSchema = z.strictObject({
  /** Directory the sink writes to: a host path, or a path inside `container` when set. */
  path: hostPath(),
  container: name.optional(),
  pattern: plainText().min(1).default('*.csv'),
  /** No committed file for longer than this is a stall (the seeds check a 5-minute window). */
  freshness: duration(BOUNDS.freshness)
    .default(300_000)
    .describe('no committed file for this long is stale (the seeds check 5 minutes)'),
  /** An `.inprogress` file older than this is stuck (never committed by a checkpoint). */
  inProgressLimit: duration(BOUNDS.inProgressLimit)
    .default(600_000)
    .describe('an .inprogress file older than this was never committed by a checkpoint'),
  /** The sample job writes a sequence number first in each row; check it for gaps and duplicates. */
  sequenceColumn: z
    .number()
    .int()
    .min(0)
    .optional()
    .describe('column holding an increasing sequence number, checked for gaps and duplicates'),
});

const sqlProbe = {
  user: plainText().min(1),
  password: secretRefSchema,
  /** The change that must show up in the output, e.g. the seeds' UPDATE ... WHERE ROWNUM <= 18. */
  sql: z.string().min(1),
  timeout: duration(BOUNDS.probeTimeout).default(120_000),
};

export const probeSchema = z.discriminatedUnion(
  'type',
  [
    z.strictObject({
      type: z.literal('postgres'),
      host: plainText().min(1),
      port: port.default(5432),
      database: plainText().min(1),
      ...sqlProbe,
    }),
    z.strictObject({ type: z.literal('oracle'), connectString: plainText().min(1), ...sqlProbe }),
    /** The sandbox job copies the content of `<controlDir>/marker` into every row it writes. */
    z.strictObject({
      type: z.literal('marker'),
      controlDir: hostPath(),
      timeout: duration(BOUNDS.probeTimeout).default(60_000),
    }),
  ],
  { error: 'type must be one of postgres, oracle, marker' },
);

/** A job's CDC source, asked by the monitor whether a silent job is quiet or dead (source-schema.ts). */
export const { source: sourceSchema } = sourceSchemas({
  duration: duration(BOUNDS.sourceTiming),
  port,
  secretRef: secretRefSchema,
});

export const jobSchema = z.strictObject({
  name,
  /** Path of the job jar on the machine running the worker; uploaded through the REST API. */
  jar: hostPath().describe("path of the job jar on the worker's machine, uploaded through REST"),
  entryClass: z.string().regex(/^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*$/, 'must be a Java class name'),
  parallelism: z.number().int().min(1).max(32_768).default(1),
  args: z.array(z.string().max(10_000)).max(1_000).default([]),
  savepointDir: storageUri(),
  checkpointDir: storageUri(),
  checkpoints: checkpointSettingsSchema.default({
    interval: 30_000,
    timeout: 180_000,
    minPause: 5_000,
    maxConcurrent: 1,
    tolerableFailures: 5,
  }),
  /** On redeploy, take a savepoint of the running job and start the new one from it. */
  keepState: z
    .boolean()
    .default(true)
    .describe('on redeploy, stop the running job with a savepoint and start from it'),
  /** The monitor restarts a job a person cancelled through REST only when this is set. */
  restartCancelled: z
    .boolean()
    .default(false)
    .describe('the monitor restarts the job after a person cancelled it through REST (default: alert only)'),
  output: outputSchema.optional(),
  probe: probeSchema.optional(),
  source: sourceSchema
    .optional()
    .describe('the CDC source the monitor asks whether a silent job is quiet or dead'),
});

/** The seeds' health monitor: every 60 s, 5-minute file window, at most 3 restarts, 5-minute cooldown. */
export const monitorSchema = z.strictObject({
  interval: duration(BOUNDS.monitorInterval).default(60_000).describe('how often the monitor looks'),
  fileWindow: duration(BOUNDS.fileWindow)
    .default(300_000)
    .describe('no new file in this window while checkpoints fail is a zombie'),
  maxRestarts: z
    .number()
    .int()
    .min(0)
    .default(3)
    .describe('restarts allowed within restartWindow before escalating'),
  restartWindow: duration(BOUNDS.restartWindow).default(3_600_000),
  cooldown: duration(BOUNDS.cooldown).default(300_000).describe('least time between two restarts'),
});

const severity = z.enum(['info', 'warning', 'critical']);
const alertCommon = { name: name.optional(), minSeverity: severity.default('warning') };

export const alertChannelSchema = z.discriminatedUnion(
  'type',
  [
    z.strictObject({
      type: z.literal('email'),
      ...alertCommon,
      smtp: z.strictObject({
        host: plainText().min(1),
        port: port.default(587),
        secure: z.boolean().default(false),
        user: plainText().optional(),
        password: secretRefSchema.optional(),
      }),
      from: z.email(),
      to: z.array(z.email()).min(1, 'needs at least one recipient'),
    }),
    z.strictObject({
      type: z.literal('dingtalk'),
      ...alertCommon,
      webhook: secretRefSchema,
      secret: secretRefSchema.optional(),
    }),
    z.strictObject({ type: z.literal('slack'), ...alertCommon, webhook: secretRefSchema }),
    z.strictObject({ type: z.literal('wecom'), ...alertCommon, webhook: secretRefSchema }),
    z.strictObject({
      type: z.literal('lark'),
      ...alertCommon,
      webhook: secretRefSchema,
      secret: secretRefSchema.optional(),
    }),
    z.strictObject({
      type: z.literal('webhook'),
      ...alertCommon,
      url: secretRefSchema,
      headers: z.record(z.string(), secretRefSchema).default({}),
    }),
  ],
  { error: 'type must be one of email, dingtalk, slack, wecom, lark, webhook' },
);

/**
 * How the worker reaches the JobManagers' REST API when it is not plain HTTP: TLS (Flink's
 * security.ssl.rest.*, or a TLS-terminating proxy) and HTTP basic auth (a proxy in front of
 * Flink). Only references to secrets live here; activities resolve them.
 */
export const restAccessSchema = z.strictObject({
  tls: z
    .strictObject({
      caFile: hostPath()
        .optional()
        .describe(
          "PEM file on the worker's machine (relative: to the clusters file's folder) with the CA or self-signed certificate to check the JobManagers' certificates against; default the system CAs",
        ),
      insecureSkipVerify: z
        .boolean()
        .default(false)
        .describe(
          'DANGEROUS: accept any certificate, so anyone in the path can read the credentials; for a throwaway test cluster only',
        ),
    })
    .optional()
    .describe('for https:// JobManager URLs (every URL must then be https://)'),
  basicAuth: z
    .strictObject({
      username: plainText().min(1),
      password: secretRefSchema,
    })
    .optional()
    .describe(
      'sent as an Authorization: Basic header with every REST request; over http:// the password crosses the network in clear',
    ),
});

export const volumeSchema = z.strictObject({ host: hostPath(), container: containerPath() });

export const clusterSpecSchema = z
  .strictObject({
    flinkVersion: z
      .string()
      .regex(/^\d+\.\d+(\.\d+)?$/, 'must be a version such as 1.20 or 1.20.3')
      .default('1.20'),
    docker: dockerEndpointSchema
      .optional()
      .describe(
        "the Docker engine of every node that names none, as a string (unix:///path.sock, tcp://host:port, ssh://user@host) or {host, tls}; default the worker's own engine (DOCKER_HOST, else the default socket)",
      ),
    images: z
      .strictObject({
        flink: plainText()
          .min(1)
          .optional()
          .describe(
            "default: the image sandbox/images/build.sh builds for flinkVersion's release line (1.20: flink-runbooks/flink:1.20.3, 2.3: flink-runbooks/flink:2.3.0)",
          ),
        zookeeper: plainText().min(1).default('flink-runbooks/zookeeper:3.8'),
      })
      .default({ zookeeper: 'flink-runbooks/zookeeper:3.8' }),
    zookeeper: z.strictObject({
      quorum,
      root: z
        .string()
        .regex(/^\/[\w./-]*$/, 'must start with / and hold only letters, digits, ".", "_", "-" and "/"')
        .refine((root) => !hasDotDot(root), NO_DOT_DOT)
        .default('/flink'),
      clusterId: z
        .string()
        .regex(/^\/?[\w.-]+$/, 'must be a name such as /realtime-pipeline')
        .refine((id) => !hasDotDot(id), NO_DOT_DOT),
      container: name.optional(),
      docker: nodeDocker(),
    }),
    ha: z.strictObject({ storageDir: storageUri() }),
    jobManagers: z.array(jobManagerSchema).min(2, 'an HA cluster needs a primary and a standby JobManager'),
    rest: restAccessSchema
      .optional()
      .describe('TLS and basic auth for the REST API; unset: plain http:// with no credentials'),
    taskManagers: z.strictObject({
      slots: z.number().int().min(1).default(1),
      containers: z.array(taskManagerSchema).min(1, 'needs at least one TaskManager'),
    }),
    /** Flink settings shared by every JobManager and TaskManager. */
    flinkConfig: flinkConfig()
      .default({})
      .describe('Flink settings shared by every JobManager and TaskManager'),
    /** Host directories mounted into every Flink container (HA storage, checkpoints, output). */
    volumes: z
      .array(volumeSchema)
      .default([])
      .describe('host directories mounted into every Flink container (HA storage, checkpoints, output)'),
    jobs: z.array(jobSchema).min(1, 'needs at least one job'),
    monitor: monitorSchema.default({
      interval: 60_000,
      fileWindow: 300_000,
      maxRestarts: 3,
      restartWindow: 3_600_000,
      cooldown: 300_000,
    }),
    alerts: z.array(alertChannelSchema).default([]),
    storage: z
      .strictObject({ minFreeGb: z.number().min(0).default(100), paths: z.array(hostPath()).default([]) })
      .default({ minFreeGb: 100, paths: [] }),
    disk: diskSchema
      .default(DISK_DEFAULTS)
      .describe("the disk watch of the volumes' host folders: thresholds and forecast"),
    housekeeping: housekeepingSchema
      .default(HOUSEKEEPING_DEFAULTS)
      .describe('what housekeeping removes; log limits of the containers the deploy creates'),
  })
  .superRefine((spec, ctx) => {
    const primaries = spec.jobManagers.filter((jm) => jm.role === 'primary').length;
    if (primaries !== 1) {
      ctx.addIssue({
        code: 'custom',
        path: ['jobManagers'],
        message: `needs exactly one primary, found ${primaries}`,
      });
    }
    if (spec.rest?.tls) {
      spec.jobManagers.forEach((jm, index) => {
        if (!jm.url.startsWith('https://'))
          ctx.addIssue({
            code: 'custom',
            path: ['jobManagers', index, 'url'],
            message: 'must be an https:// URL: rest.tls is set',
          });
      });
    }
    const containers = [
      ...spec.jobManagers.map((jm) => jm.container),
      ...spec.taskManagers.containers.map((tm) => tm.container),
      ...(spec.zookeeper.container ? [spec.zookeeper.container] : []),
    ];
    const seen = new Set<string>();
    for (const container of containers) {
      if (seen.has(container)) {
        ctx.addIssue({
          code: 'custom',
          path: ['containers'],
          message: `container name "${container}" is used twice`,
        });
      }
      seen.add(container);
    }
    flagDuplicates(
      ctx,
      spec.jobs.map((job) => job.name),
      ['jobs'],
      'name',
      'job name',
    );
    clusterChecks(spec, ctx);
  })
  // A cluster that names no image runs the one built for its Flink version (checked above).
  .transform((spec) => ({
    ...spec,
    images: {
      flink: spec.images.flink ?? defaultFlinkImage(spec.flinkVersion) ?? '',
      zookeeper: spec.images.zookeeper,
    },
  }));

function flagDuplicates(ctx: z.RefinementCtx, values: string[], path: string[], field: string, what: string) {
  const first = new Map<string, number>();
  values.forEach((value, index) => {
    const earlier = first.get(value);
    if (earlier === undefined) first.set(value, index);
    else {
      ctx.addIssue({
        code: 'custom',
        path: [...path, index, field],
        message: `duplicate ${what} "${value}" (also at ${path.join('.')}[${earlier}])`,
      });
    }
  });
}

export const clustersFileSchema = z.strictObject({
  clusters: z
    .record(name, clusterSpecSchema, {
      error: (issue) =>
        issue.code === 'invalid_key'
          ? `cluster name "${String(issue.input)}" must be lower-case letters, digits, ".", "_" or "-"`
          : undefined,
    })
    .refine((clusters) => Object.keys(clusters).length > 0, 'the file defines no cluster')
    .superRefine(clustersFileChecks),
});

export type ClusterSpec = z.output<typeof clusterSpecSchema>;
export type ClusterSpecInput = z.input<typeof clusterSpecSchema>;
export type JobSpec = z.output<typeof jobSchema>;
export type JobManagerSpec = z.output<typeof jobManagerSchema>;
export type AlertChannel = z.output<typeof alertChannelSchema>;
export type RestAccess = z.output<typeof restAccessSchema>;
export type MonitorSettings = z.output<typeof monitorSchema>;
export type ClustersFile = z.output<typeof clustersFileSchema>;

/** A cluster spec together with the name it is known by. */
export type NamedCluster = ClusterSpec & { name: string };
