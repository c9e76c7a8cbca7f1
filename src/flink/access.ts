import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { Agent, type Dispatcher, errors as undiciErrors } from 'undici';
import { redact } from '../alerts/redact';
import type { RestAccess } from '../config/schema';
import { describeSecretRef, resolveSecret } from '../config/secrets';
import {
  FlinkAccessUnavailableError,
  FlinkRequestRejectedError,
  type FlinkRestError,
  FlinkTlsError,
  FlinkUnreachableError,
} from './errors';

/**
 * A cluster's `rest` section made usable on this worker: the dispatcher (one undici Agent per
 * distinct TLS setting, so connections are pooled across activities) and the Authorization
 * header. Resolved inside the activity that makes the request, on whichever worker runs it:
 * the password is read there from its reference and never leaves this object.
 */
export interface RestConnection {
  dispatcher: Dispatcher;
  authorization?: string;
  /** What the credentials are, for messages: the user and where the password comes from, never its value. */
  credentials?: string;
  /** Scrubbed from every message this connection produces: the password and its encodings. */
  secrets: string[];
  caFile?: string;
}

const agentOptions = { connections: 8, keepAliveTimeout: 10_000 };
const plainAgent = new Agent(agentOptions);
const tlsAgents = new Map<string, Agent>();

export async function openRestConnection(
  access: RestAccess | undefined,
  url: string,
): Promise<RestConnection> {
  const connection: RestConnection = { dispatcher: await dispatcherFor(access?.tls, url), secrets: [] };
  connection.caFile = access?.tls?.caFile;
  const basic = access?.basicAuth;
  if (basic) {
    let password: string;
    try {
      password = await resolveSecret(basic.password);
    } catch (error) {
      throw new FlinkAccessUnavailableError(
        `the password of rest.basicAuth cannot be used: ${(error as Error).message}`,
        url,
      );
    }
    const token = Buffer.from(`${basic.username}:${password}`, 'utf8').toString('base64');
    connection.authorization = `Basic ${token}`;
    connection.secrets = [password, `${basic.username}:${password}`, token];
    connection.credentials = `the credentials of rest.basicAuth (user "${basic.username}", password from ${describeSecretRef(basic.password)})`;
  }
  return connection;
}

async function dispatcherFor(tls: RestAccess['tls'], url: string): Promise<Dispatcher> {
  if (!tls || (!tls.caFile && !tls.insecureSkipVerify)) return plainAgent; // system CAs
  const ca = tls.caFile ? await readCaFile(tls.caFile, url) : undefined;
  const key = `${tls.insecureSkipVerify}:${ca ? createHash('sha256').update(ca).digest('hex') : ''}`;
  let agent = tlsAgents.get(key);
  if (!agent) {
    if (tls.insecureSkipVerify)
      process.emitWarning(
        'rest.tls.insecureSkipVerify is set: JobManager certificates are not checked, anyone in the path can read the credentials',
      );
    agent = new Agent({ ...agentOptions, connect: { ca, rejectUnauthorized: !tls.insecureSkipVerify } });
    tlsAgents.set(key, agent);
  }
  return agent;
}

async function readCaFile(caFile: string, url: string): Promise<string> {
  let pem: string;
  try {
    pem = await readFile(caFile, 'utf8');
  } catch (error) {
    throw new FlinkAccessUnavailableError(
      `CA file ${caFile} (rest.tls.caFile) cannot be read on this worker: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      url,
    );
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----'))
    throw new FlinkAccessUnavailableError(
      `CA file ${caFile} (rest.tls.caFile) holds no PEM certificate (-----BEGIN CERTIFICATE-----)`,
      url,
    );
  return pem;
}

/** Node's codes for a certificate it does not trust. */
const UNTRUSTED =
  /^(DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT(_LOCALLY)?|CERT_SIGNATURE_FAILURE)$/;
const TLS_CODE = /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|ERR_OSSL_)|SELF_SIGNED/;

/** A request that got no HTTP answer: a TLS failure (final), else down or timed out (worth another JobManager). */
export function transportError(url: string, error: unknown, connection: RestConnection): FlinkRestError {
  const cause = error as { code?: string; name?: string; message?: string };
  const code = cause.code ?? '';
  const text = (message: string) => redact(message, connection.secrets);
  if (UNTRUSTED.test(code)) {
    const fix = connection.caFile
      ? `it is not signed by the CA in ${connection.caFile}`
      : "set rest.tls.caFile to the CA that signed the JobManager's certificate";
    return new FlinkTlsError(text(`${url}: TLS certificate not trusted (${code}); ${fix}`), url);
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID')
    return new FlinkTlsError(
      text(`${url}: the TLS certificate does not name this host (${code}): ${cause.message}`),
      url,
    );
  if (/wrong version number|packet length too long/i.test(cause.message ?? ''))
    return new FlinkTlsError(
      text(
        `${url}: no TLS on this port (${code || 'EPROTO'}); enable security.ssl.rest.enabled on the JobManager or use an http:// URL`,
      ),
      url,
    );
  if (TLS_CODE.test(code))
    return new FlinkTlsError(text(`${url}: TLS handshake failed (${code}): ${cause.message}`), url);
  const reason =
    error instanceof undiciErrors.HeadersTimeoutError ||
    cause.name === 'TimeoutError' ||
    cause.name === 'AbortError'
      ? 'timed out'
      : code || cause.message || 'failed';
  return new FlinkUnreachableError(text(`${url} unreachable: ${reason}`), url);
}

/**
 * Flink's REST answers every plain-HTTP request with a 301 to https:// when its REST SSL is on;
 * no redirect is followed (it would carry the credentials elsewhere).
 */
export function redirectError(url: string, status: number, location: unknown): FlinkRestError {
  const to = typeof location === 'string' ? location : String(location ?? '(no location)');
  if (url.startsWith('http://') && to.startsWith('https://'))
    return new FlinkTlsError(
      `${status} from ${url}: the JobManager serves REST over TLS only; use https:// JobManager URLs (and rest.tls)`,
      url,
      status,
    );
  return new FlinkRequestRejectedError(
    `${status} from ${url}: redirected to ${to}, not followed`,
    url,
    status,
  );
}
