import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { FormData, request } from 'undici';
import { redact } from '../alerts/redact';
import type { RestAccess } from '../config/schema';
import { openRestConnection, type RestConnection, redirectError, transportError } from './access';
import { errorForStatus } from './errors';
import type {
  AsyncOperationStatus,
  CheckpointConfig,
  CheckpointingStatistics,
  ClusterOverview,
  JarInfo,
  JarRunRequest,
  JobDetails,
  JobExceptions,
  JobOverview,
  JobState,
  MetricValue,
  TaskManagerInfo,
} from './types';

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  body?: unknown;
  /** A multipart body (jar upload) instead of JSON. */
  form?: FormData;
  timeoutMs?: number;
}

/**
 * One JobManager's REST endpoint. `access` is the cluster's `rest` section (TLS, basic auth):
 * references only, resolved on first use in this process. No message this client produces
 * holds the password: error bodies and transport errors are scrubbed before an error is made.
 */
export class FlinkRestClient {
  private connecting?: Promise<RestConnection>;

  constructor(
    readonly baseUrl: string,
    private readonly defaultTimeoutMs = 5_000,
    private readonly access?: RestAccess,
  ) {}

  private connection(url: string): Promise<RestConnection> {
    this.connecting ??= openRestConnection(this.access, url);
    return this.connecting;
  }

  async call<T>(path: string, options: RequestOptions = {}): Promise<T> {
    const url = `${this.baseUrl}${path}`;
    const timeout = options.timeoutMs ?? this.defaultTimeoutMs;
    const connection = await this.connection(url);
    const headers: Record<string, string> = {};
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    if (connection.authorization) headers.authorization = connection.authorization;
    let response: Awaited<ReturnType<typeof request>>;
    try {
      response = await request(url, {
        dispatcher: connection.dispatcher,
        method: options.method ?? 'GET',
        headers,
        body: options.form ?? (options.body === undefined ? undefined : JSON.stringify(options.body)),
        headersTimeout: timeout,
        bodyTimeout: timeout,
        signal: AbortSignal.timeout(timeout),
      });
    } catch (error) {
      throw transportError(url, error, connection);
    }
    const text = await response.body.text().catch((error) => {
      throw transportError(url, error, connection);
    });
    if (response.statusCode >= 300 && response.statusCode < 400)
      throw redirectError(url, response.statusCode, response.headers.location);
    if (response.statusCode >= 400) {
      // A proxy may echo the request; nothing of the password reaches a message.
      const body = parseJson(redact(text, connection.secrets));
      throw errorForStatus(response.statusCode, url, body, connection.credentials);
    }
    return parseJson(text) as T;
  }

  overview(): Promise<ClusterOverview> {
    return this.call('/overview');
  }

  /** The web dashboard's settings: the lightest request a JobManager answers, leader or standby. */
  dashboardConfig(): Promise<{ 'flink-version'?: string }> {
    return this.call('/config');
  }

  async jobsOverview(): Promise<JobOverview[]> {
    return (await this.call<{ jobs: JobOverview[] }>('/jobs/overview')).jobs;
  }

  job(jobId: string): Promise<JobDetails> {
    return this.call(`/jobs/${encodeURIComponent(jobId)}`);
  }

  /** The job's state alone: the dispatcher answers it even where it cannot build the details. */
  async jobStatus(jobId: string): Promise<JobState> {
    return (await this.call<{ status: JobState }>(`/jobs/${encodeURIComponent(jobId)}/status`)).status;
  }

  checkpoints(jobId: string): Promise<CheckpointingStatistics> {
    return this.call(`/jobs/${encodeURIComponent(jobId)}/checkpoints`);
  }

  checkpointConfig(jobId: string): Promise<CheckpointConfig> {
    return this.call(`/jobs/${encodeURIComponent(jobId)}/checkpoints/config`);
  }

  exceptions(jobId: string, maxExceptions = 10): Promise<JobExceptions> {
    return this.call(`/jobs/${encodeURIComponent(jobId)}/exceptions?maxExceptions=${maxExceptions}`);
  }

  jobMetrics(jobId: string, names: string[]): Promise<MetricValue[]> {
    return this.call(
      `/jobs/${encodeURIComponent(jobId)}/metrics?get=${names.map(encodeURIComponent).join(',')}`,
    );
  }

  /** A vertex's metrics summed over its subtasks (e.g. numRecordsOutPerSecond). */
  vertexMetrics(jobId: string, vertexId: string, names: string[]): Promise<MetricValue[]> {
    const get = names.map(encodeURIComponent).join(',');
    return this.call(
      `/jobs/${encodeURIComponent(jobId)}/vertices/${encodeURIComponent(vertexId)}/subtasks/metrics?get=${get}&agg=sum`,
    );
  }

  async taskManagers(): Promise<TaskManagerInfo[]> {
    return (await this.call<{ taskmanagers: TaskManagerInfo[] }>('/taskmanagers')).taskmanagers;
  }

  /** This JobManager's own configuration (a standby answers with its own, not the leader's). */
  async jobManagerConfig(): Promise<Record<string, string>> {
    const entries = await this.call<Array<{ key: string; value: string }>>('/jobmanager/config');
    return Object.fromEntries(entries.map((e) => [e.key, e.value]));
  }

  /**
   * Triggers a savepoint, the job keeps running. `triggerId` makes a retry of the same request
   * find the operation already under way instead of starting a second one.
   */
  async triggerSavepoint(
    jobId: string,
    body: { targetDirectory?: string; triggerId: string; formatType?: 'CANONICAL' | 'NATIVE' },
  ): Promise<string> {
    const answer = await this.call<{ 'request-id': string }>(
      `/jobs/${encodeURIComponent(jobId)}/savepoints`,
      {
        method: 'POST',
        body: {
          'target-directory': body.targetDirectory,
          'cancel-job': false,
          triggerId: body.triggerId,
          formatType: body.formatType,
        },
      },
    );
    return answer['request-id'];
  }

  /** Stop-with-savepoint: no record is processed between the savepoint and the stop. */
  async stopWithSavepoint(
    jobId: string,
    body: { targetDirectory?: string; triggerId: string; drain?: boolean },
  ): Promise<string> {
    const answer = await this.call<{ 'request-id': string }>(`/jobs/${encodeURIComponent(jobId)}/stop`, {
      method: 'POST',
      body: { targetDirectory: body.targetDirectory, triggerId: body.triggerId, drain: body.drain ?? false },
    });
    return answer['request-id'];
  }

  savepointStatus(jobId: string, triggerId: string): Promise<AsyncOperationStatus> {
    return this.call(`/jobs/${encodeURIComponent(jobId)}/savepoints/${encodeURIComponent(triggerId)}`);
  }

  async jars(): Promise<JarInfo[]> {
    return (await this.call<{ files: JarInfo[] }>('/jars')).files;
  }

  async deleteJar(jarId: string): Promise<void> {
    await this.call(`/jars/${encodeURIComponent(jarId)}`, { method: 'DELETE' });
  }

  /** Cancels a job. Callers must know its state is safe in a completed checkpoint or savepoint. */
  async cancel(jobId: string): Promise<void> {
    await this.call(`/jobs/${encodeURIComponent(jobId)}?mode=cancel`, { method: 'PATCH' });
  }

  /** Uploads a jar; returns the id Flink gives it (`<uuid>_<file name>`). */
  async uploadJar(path: string): Promise<string> {
    const form = new FormData();
    form.set(
      'jarfile',
      new Blob([await readFile(path)], { type: 'application/x-java-archive' }),
      basename(path),
    );
    const answer = await this.call<{ filename: string; status: string }>('/jars/upload', {
      method: 'POST',
      form,
      timeoutMs: 60_000,
    });
    return basename(answer.filename);
  }

  async runJar(jarId: string, run: JarRunRequest): Promise<string> {
    const answer = await this.call<{ jobid: string }>(`/jars/${encodeURIComponent(jarId)}/run`, {
      method: 'POST',
      body: run,
      timeoutMs: 60_000,
    });
    return answer.jobid;
  }
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
