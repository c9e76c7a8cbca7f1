import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { InvalidClusterSpecError } from '../../src/config/errors';
import { parseClustersFile, parseInlineSpec } from '../../src/config/load';
import { transportError } from '../../src/flink/access';
import { FlinkRestClient } from '../../src/flink/client';
import { FlinkClusterClient } from '../../src/flink/cluster-client';
import { FlinkRestError, NON_RETRYABLE_FLINK_ERRORS } from '../../src/flink/errors';
import { restTarget } from '../../src/flink/target';
import { pollUntil } from '../../src/util/poll';

/**
 * The cluster spec's `rest` section (TLS, basic auth) and what the REST client makes of it: the
 * Authorization header, 401/403 as a typed final error, and the password in no message.
 */
const PASSWORD = 'pa55-w0rd-Zq8x!';
const USER = 'flink-ops';
const TOKEN = Buffer.from(`${USER}:${PASSWORD}`).toString('base64');

function cluster(overrides: Record<string, unknown> = {}, url = 'http'): Record<string, unknown> {
  return {
    zookeeper: { quorum: '127.0.0.1:2181', clusterId: '/rp' },
    ha: { storageDir: 'file:///opt/flink/ha' },
    jobManagers: [
      { role: 'primary', url: `${url}://127.0.0.1:8081`, container: 'jm-a' },
      { role: 'standby', url: `${url}://127.0.0.1:8082`, container: 'jm-b' },
    ],
    taskManagers: { containers: [{ container: 'tm-1' }] },
    jobs: [
      {
        name: 'j',
        jar: '/j.jar',
        entryClass: 'a.B',
        savepointDir: 'file:///sp',
        checkpointDir: 'file:///cp',
      },
    ],
    ...overrides,
  };
}

function issues(spec: Record<string, unknown>): string[] {
  try {
    parseInlineSpec('rp', spec);
  } catch (error) {
    if (error instanceof InvalidClusterSpecError) return error.issues.map((i) => `${i.path}: ${i.message}`);
    throw error;
  }
  return [];
}

describe('the rest section of a cluster spec', () => {
  it.each([
    ['TLS with a CA file', { tls: { caFile: '/etc/flink/ca.pem' } }, 'https'],
    ['TLS with the system CAs', { tls: {} }, 'https'],
    ['TLS without verification (test clusters)', { tls: { insecureSkipVerify: true } }, 'https'],
    [
      'basic auth, password from the environment',
      { basicAuth: { username: 'u', password: { fromEnv: 'P' } } },
      'http',
    ],
    [
      'basic auth, password from a file',
      { basicAuth: { username: 'u', password: { fromFile: '/run/p' } } },
      'https',
    ],
    [
      'both',
      { tls: { caFile: 'ca.pem' }, basicAuth: { username: 'u', password: { fromEnv: 'P' } } },
      'https',
    ],
    ['an https URL and no rest section', undefined, 'https'],
  ])('accepts %s', (_name, rest, scheme) => {
    expect(issues(cluster(rest === undefined ? {} : { rest }, scheme))).toEqual([]);
  });

  it.each([
    [
      'TLS with http:// URLs',
      { rest: { tls: { caFile: '/ca.pem' } } },
      'http',
      [
        'spec.jobManagers[0].url: must be an https:// URL: rest.tls is set',
        'spec.jobManagers[1].url: must be an https:// URL: rest.tls is set',
      ],
    ],
    [
      'an inline password',
      { rest: { basicAuth: { username: 'u', password: 'hunter2' } } },
      'http',
      [
        'spec.rest.basicAuth.password: secrets must be references like {fromEnv: NAME} or {fromFile: /path}, not inline values',
      ],
    ],
    [
      'basic auth without a user',
      { rest: { basicAuth: { password: { fromEnv: 'P' } } } },
      'http',
      ['spec.rest.basicAuth.username: Invalid input: expected string, received undefined'],
    ],
    [
      'insecureSkipVerify as a string',
      { rest: { tls: { insecureSkipVerify: 'yes' } } },
      'https',
      ['spec.rest.tls.insecureSkipVerify: Invalid input: expected boolean, received string'],
    ],
    [
      'an unknown field',
      { rest: { tls: { ca: '/ca.pem' } } },
      'https',
      ['spec.rest.tls: unknown field(s): ca'],
    ],
  ])('rejects %s', (_name, overrides, scheme, expected) => {
    expect(issues(cluster(overrides, scheme))).toEqual(expected);
  });

  it('rejects credentials in a JobManager URL: they would travel into workflow history', () => {
    const spec = cluster();
    (spec.jobManagers as Array<{ url: string }>)[0] = {
      ...(spec.jobManagers as Array<{ url: string }>)[0],
      url: `http://${USER}:${PASSWORD}@127.0.0.1:8081`,
    } as { url: string };
    expect(issues(spec)).toEqual([
      'spec.jobManagers[0].url: must not carry credentials (user:password@); use rest.basicAuth with a secret reference',
    ]);
  });

  it("takes a relative caFile from the clusters file's folder", () => {
    const file = parseClustersFile(
      `clusters:\n  rp: ${JSON.stringify(cluster({ rest: { tls: { caFile: 'certs/ca.pem' } } }, 'https'))}\n`,
      { source: 'clusters.yaml', baseDir: '/srv/flink' },
    );
    expect(file.clusters.rp?.rest?.tls).toEqual({
      caFile: '/srv/flink/certs/ca.pem',
      insecureSkipVerify: false,
    });
  });

  it('puts only references into what activities receive', () => {
    const spec = parseInlineSpec(
      'rp',
      cluster({ rest: { basicAuth: { username: USER, password: { fromEnv: 'FLINK_REST_PASSWORD' } } } }),
    );
    expect(restTarget(spec)).toEqual({
      urls: ['http://127.0.0.1:8081', 'http://127.0.0.1:8082'],
      access: { basicAuth: { username: USER, password: { fromEnv: 'FLINK_REST_PASSWORD' } } },
    });
    expect(restTarget(parseInlineSpec('rp', cluster()))).toEqual({
      urls: ['http://127.0.0.1:8081', 'http://127.0.0.1:8082'],
    });
  });
});

/** A JobManager stand-in that records headers; `/401` and `/403` refuse, echoing the request's Authorization. */
let server: Server;
let base: string;
const seen: IncomingHttpHeaders[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push(req.headers);
    if (req.url?.startsWith('/301'))
      return void res.writeHead(301, { location: 'https://127.0.0.1:1/overview' }).end();
    const refuse = /^\/(401|403)/.exec(req.url ?? '')?.[1];
    if (refuse) {
      res.writeHead(Number(refuse), { 'content-type': 'application/json', 'www-authenticate': 'Basic' });
      return void res.end(JSON.stringify({ errors: [`bad credentials: ${req.headers.authorization}`] }));
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"taskmanagers":2}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
afterEach(() => {
  vi.unstubAllEnvs();
  seen.length = 0;
});

const basicAuth = { username: USER, password: { fromEnv: 'T_FLINK_REST_PASSWORD' } };

async function failure(call: Promise<unknown>): Promise<FlinkRestError> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof FlinkRestError)) throw new Error(`expected a FlinkRestError, got ${String(error)}`);
  return error;
}

function expectNoSecret(error: Error): void {
  for (const text of [error.message, error.stack ?? '', JSON.stringify(error)]) {
    expect(text).not.toContain(PASSWORD);
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain(encodeURIComponent(PASSWORD));
  }
}

describe('FlinkRestClient with basic auth', () => {
  it('sends Authorization: Basic base64(user:password) with every request', async () => {
    vi.stubEnv('T_FLINK_REST_PASSWORD', PASSWORD);
    const client = new FlinkRestClient(base, 2_000, { basicAuth });
    await client.overview();
    await client.call('/jobs/overview', { method: 'POST', body: {} });
    expect(seen.map((h) => h.authorization)).toEqual([`Basic ${TOKEN}`, `Basic ${TOKEN}`]);
  });

  it('sends no Authorization header without basic auth', async () => {
    await new FlinkRestClient(base, 2_000).overview();
    expect(seen[0]?.authorization).toBeUndefined();
  });

  it.each([401, 403])(
    'turns %d into the final FlinkUnauthorized naming the URL and whose credentials, never the password',
    async (status) => {
      vi.stubEnv('T_FLINK_REST_PASSWORD', PASSWORD);
      const error = await failure(
        new FlinkRestClient(base, 2_000, { basicAuth }).call(`/${status}/overview`),
      );
      expect(error.name).toBe('FlinkUnauthorized');
      expect(error.status).toBe(status);
      expect((error as { final?: boolean }).final).toBe(true);
      expect(NON_RETRYABLE_FLINK_ERRORS).toContain(error.name);
      expect(error.message).toBe(
        `${status} from ${base}/${status}/overview: the JobManager or a proxy in front of it refused the credentials of rest.basicAuth (user "${USER}", password from environment variable T_FLINK_REST_PASSWORD)`,
      );
      expectNoSecret(error);
    },
  );

  it('says when credentials were wanted and none were sent', async () => {
    const error = await failure(new FlinkRestClient(base, 2_000).call('/401/overview'));
    expect(error.name).toBe('FlinkUnauthorized');
    expect(error.message).toBe(
      `401 from ${base}/401/overview: the JobManager or a proxy in front of it asks for credentials and none were sent (set rest.basicAuth in the cluster spec)`,
    );
  });

  it('the cluster client does not try the next JobManager with credentials that were refused', async () => {
    vi.stubEnv('T_FLINK_REST_PASSWORD', PASSWORD);
    const rest = new FlinkClusterClient([`${base}/401`, base], 2_000, { basicAuth });
    const error = await failure(rest.call((c) => c.overview()));
    expect(error.name).toBe('FlinkUnauthorized');
    expect(seen).toHaveLength(1);
  });

  it('a password that is not set is the final FlinkAccessUnavailable naming where it should be', async () => {
    const error = await failure(new FlinkRestClient(base, 2_000, { basicAuth }).overview());
    expect(error.name).toBe('FlinkAccessUnavailable');
    expect(error.message).toBe(
      'the password of rest.basicAuth cannot be used: secret environment variable T_FLINK_REST_PASSWORD is not set',
    );
    expect(seen).toHaveLength(0);
  });

  it('reads a password from a file, without its trailing newline', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'rest-access-')), 'password');
    writeFileSync(file, `${PASSWORD}\n`);
    await new FlinkRestClient(base, 2_000, {
      basicAuth: { username: USER, password: { fromFile: file } },
    }).overview();
    expect(seen[0]?.authorization).toBe(`Basic ${TOKEN}`);
  });
});

describe('TLS settings', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rest-ca-'));

  it('a CA file that cannot be read is the final FlinkAccessUnavailable naming the file', async () => {
    const missing = join(dir, 'missing.pem');
    const error = await failure(
      new FlinkRestClient('https://127.0.0.1:1', 1_000, {
        tls: { caFile: missing, insecureSkipVerify: false },
      }).overview(),
    );
    expect(error.name).toBe('FlinkAccessUnavailable');
    expect(error.message).toBe(`CA file ${missing} (rest.tls.caFile) cannot be read on this worker: ENOENT`);
    expect(NON_RETRYABLE_FLINK_ERRORS).toContain(error.name);
  });

  it('a CA file without a PEM certificate is refused, naming the file', async () => {
    const file = join(dir, 'not-a-cert.pem');
    writeFileSync(file, 'hello\n');
    const error = await failure(
      new FlinkRestClient('https://127.0.0.1:1', 1_000, {
        tls: { caFile: file, insecureSkipVerify: false },
      }).overview(),
    );
    expect(error.name).toBe('FlinkAccessUnavailable');
    expect(error.message).toContain(`CA file ${file} (rest.tls.caFile) holds no PEM certificate`);
  });

  const url = 'https://127.0.0.1:8881/overview';
  const plain = { dispatcher: undefined as never, secrets: [PASSWORD] };
  it.each([
    [
      'an untrusted self-signed certificate: FlinkTlsFailed, saying to set rest.tls.caFile',
      { code: 'DEPTH_ZERO_SELF_SIGNED_CERT', message: 'self-signed certificate' },
      {},
      'FlinkTlsFailed',
      `${url}: TLS certificate not trusted (DEPTH_ZERO_SELF_SIGNED_CERT); set rest.tls.caFile to the CA that signed the JobManager's certificate`,
    ],
    [
      'a certificate the configured CA did not sign: FlinkTlsFailed naming the CA file',
      { code: 'SELF_SIGNED_CERT_IN_CHAIN', message: 'self-signed certificate in certificate chain' },
      { caFile: '/etc/ca.pem' },
      'FlinkTlsFailed',
      `${url}: TLS certificate not trusted (SELF_SIGNED_CERT_IN_CHAIN); it is not signed by the CA in /etc/ca.pem`,
    ],
    [
      'a certificate for another host: FlinkTlsFailed',
      { code: 'ERR_TLS_CERT_ALTNAME_INVALID', message: "Host: x. is not in the cert's altnames" },
      {},
      'FlinkTlsFailed',
      `${url}: the TLS certificate does not name this host (ERR_TLS_CERT_ALTNAME_INVALID): Host: x. is not in the cert's altnames`,
    ],
    [
      'https:// to a port without TLS: FlinkTlsFailed',
      { code: 'EPROTO', message: 'SSL routines:ssl3_get_record:wrong version number' },
      {},
      'FlinkTlsFailed',
      `${url}: no TLS on this port (EPROTO); enable security.ssl.rest.enabled on the JobManager or use an http:// URL`,
    ],
    [
      'a refused connection: still FlinkUnreachable (the next JobManager is tried)',
      { code: 'ECONNREFUSED', message: 'connect ECONNREFUSED' },
      {},
      'FlinkUnreachable',
      `${url} unreachable: ECONNREFUSED`,
    ],
    [
      'a transport error that quotes the password: scrubbed',
      { message: `socket hang up after sending ${PASSWORD}` },
      {},
      'FlinkUnreachable',
      `${url} unreachable: socket hang up after sending [redacted]`,
    ],
  ])('%s', (_name, cause, extra, name, message) => {
    const error = transportError(url, Object.assign(new Error(cause.message), cause), { ...plain, ...extra });
    expect(error.name).toBe(name);
    expect(error.message).toBe(message);
    expectNoSecret(error);
  });

  it("a plain-HTTP request that Flink's REST SSL redirects to https is the final FlinkTlsFailed", async () => {
    const error = await failure(new FlinkRestClient(base, 2_000).call('/301/overview'));
    expect(error.name).toBe('FlinkTlsFailed');
    expect(error.message).toBe(
      `301 from ${base}/301/overview: the JobManager serves REST over TLS only; use https:// JobManager URLs (and rest.tls)`,
    );
  });
});

describe('waits', () => {
  it('give up at once on a final error instead of waiting out their timeout', async () => {
    vi.stubEnv('T_FLINK_REST_PASSWORD', PASSWORD);
    const client = new FlinkRestClient(`${base}/401`, 2_000, { basicAuth });
    const started = Date.now();
    const error = await failure(
      pollUntil(() => client.overview(), { timeoutMs: 30_000, intervalMs: 100, what: 'the JobManager' }),
    );
    expect(error.name).toBe('FlinkUnauthorized');
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
