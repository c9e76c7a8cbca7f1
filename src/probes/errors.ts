import { errorText, redact } from '../alerts/redact';
import { FAILURE } from '../temporal/failure-types';

/**
 * How a probe failed. The names are the failure types workflows match on:
 * - `ProbeUnavailable`: the source did not answer (refused, timed out, shutting down, busy).
 *   A retry may work.
 * - `ProbeFailed`: the source answered no (bad password, unknown table, bad SQL, a marker that
 *   cannot be written). No retry fixes it.
 * - `ProbeNotCaptured`: the change was made but did not show up in committed output in time:
 *   the verdict the capture check exists for.
 * Messages never carry a password: every driver message is redacted before it is kept.
 */
export { NON_RETRYABLE_PROBE_ERRORS, RETRYABLE_PROBE_ERRORS } from './error-types';

export class ProbeError extends Error {
  constructor(
    message: string,
    /** The driver's code, e.g. SQLSTATE `28P01`, `ORA-01017`, `NJS-503`, `ECONNREFUSED`. */
    readonly code?: string,
  ) {
    super(message);
  }
}

export class ProbeUnavailableError extends ProbeError {
  override name = FAILURE.ProbeUnavailable;
}
export class ProbeFailedError extends ProbeError {
  override name = FAILURE.ProbeFailed;
}
export class ProbeNotCapturedError extends ProbeError {
  override name = FAILURE.ProbeNotCaptured;
}

/** Socket-level failures: the server is not there or not answering. */
const UNAVAILABLE_ERRNO = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EHOSTDOWN',
  'ENETDOWN',
  'EPIPE',
  'EAI_AGAIN',
]);

/** The first errno-style code of an error, looking into an AggregateError (several addresses tried). */
function errnoOf(error: unknown): string | undefined {
  if (!error || typeof error !== 'object') return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && /^E[A-Z_]+$/.test(code)) return code;
  const inner = (error as { errors?: unknown }).errors;
  if (Array.isArray(inner)) for (const e of inner) if (errnoOf(e)) return errnoOf(e);
  return undefined;
}

/**
 * PostgreSQL: SQLSTATE classes 08 (connection), 53 (resources), 57P0x (shutting down or
 * starting), 57014 (statement_timeout), 55P03 (lock_timeout), 40001/40P01 (serialization,
 * deadlock) and socket errors are worth retrying; everything else (28P01 password, 3D000 unknown
 * database, 42P01 unknown table, 42601 syntax) is not.
 */
export function postgresProbeError(error: unknown, what: string, secrets: readonly string[]): ProbeError {
  const sqlstate = (error as { code?: unknown } | undefined)?.code;
  const errno = errnoOf(error);
  if (typeof sqlstate === 'string' && /^[0-9A-Z]{5}$/.test(sqlstate)) {
    const serverText = error instanceof Error ? error.message : String(error);
    const message = redact(`${what}: ${serverText} (SQLSTATE ${sqlstate})`, secrets);
    const retryable =
      sqlstate.startsWith('08') ||
      sqlstate.startsWith('53') ||
      /^57P0[1-4]$/.test(sqlstate) ||
      ['57014', '55P03', '40001', '40P01'].includes(sqlstate);
    return retryable ? new ProbeUnavailableError(message, sqlstate) : new ProbeFailedError(message, sqlstate);
  }
  const text = errorText(error);
  const message = redact(`${what}: ${text}`, secrets);
  if (
    (errno && UNAVAILABLE_ERRNO.has(errno)) ||
    /timeout expired|timed out|Connection terminated|Query read timeout|connection timeout/i.test(text)
  ) {
    return new ProbeUnavailableError(message, errno);
  }
  return new ProbeFailedError(message, errno);
}

/**
 * Oracle (node-oracledb thin): the driver's own network errors (NJS-500 closed, 501 lost contact,
 * 503 could not connect, 510 connect timeout, 511 refused by the listener, 521 end-of-file,
 * 123 call timeout), the listener's (ORA-12541 no listener, ORA-12170 connect timeout, ORA-125xx
 * service not ready or blocked) and the instance's (ORA-01033/01034/01089 starting or stopping,
 * ORA-00018/00020 sessions/processes exhausted, ORA-03113/03114/03135 lost connection,
 * ORA-00060 deadlock, ORA-30006/00054 resource busy) are worth retrying. Everything else
 * (ORA-01017 wrong password, ORA-28000 locked account, ORA-00942 unknown table, ORA-009xx SQL
 * errors, NJS-515 a malformed connect string) is not.
 */
const ORACLE_UNAVAILABLE = new Set([
  'NJS-040',
  'NJS-123',
  'NJS-500',
  'NJS-501',
  'NJS-503',
  'NJS-510',
  'NJS-511',
  'NJS-518',
  'NJS-519',
  'NJS-521',
  'ORA-00018',
  'ORA-00020',
  'ORA-00054',
  'ORA-00060',
  'ORA-01033',
  'ORA-01034',
  'ORA-01089',
  'ORA-01090',
  'ORA-03113',
  'ORA-03114',
  'ORA-03135',
  'ORA-12170',
  'ORA-12514',
  'ORA-12516',
  'ORA-12519',
  'ORA-12520',
  'ORA-12526',
  'ORA-12527',
  'ORA-12528',
  'ORA-12537',
  'ORA-12541',
  'ORA-12547',
  'ORA-30006',
]);

/** `NJS-503` or `ORA-01017`: from the error's `code`, else from the start of its message. */
export function oracleCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string' && /^(NJS|ORA|DPI)-\d+$/.test(code)) return code;
  const message = error instanceof Error ? error.message : String(error);
  return /^((?:NJS|ORA|DPI)-\d+):/.exec(message)?.[1];
}

export function oracleProbeError(error: unknown, what: string, secrets: readonly string[]): ProbeError {
  const code = oracleCode(error);
  const errno = errnoOf(error);
  // Thin-mode messages end with the socket error on a second line; one line reads better.
  const text = errorText(error).replace(/\s*\n\s*/g, '; ');
  const message = redact(`${what}: ${text}`, secrets);
  if ((code && ORACLE_UNAVAILABLE.has(code)) || (!code && errno && UNAVAILABLE_ERRNO.has(errno))) {
    return new ProbeUnavailableError(message, code ?? errno);
  }
  return new ProbeFailedError(message, code ?? errno);
}
