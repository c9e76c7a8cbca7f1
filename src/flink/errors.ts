import { FAILURE } from '../temporal/failure-types';

/**
 * How a Flink REST call failed. The names are the failure types workflows match on:
 * the first three are worth retrying, the rest are not (no retry fixes a 400, an unknown job,
 * refused credentials or an untrusted certificate).
 */
export const RETRYABLE_FLINK_ERRORS = [
  FAILURE.FlinkUnreachable,
  FAILURE.FlinkNoLeader,
  FAILURE.FlinkServerError,
] as const;
export const NON_RETRYABLE_FLINK_ERRORS = [
  FAILURE.FlinkBadRequest,
  FAILURE.FlinkNotFound,
  FAILURE.FlinkRequestRejected,
  FAILURE.FlinkUnauthorized,
  FAILURE.FlinkTlsFailed,
  FAILURE.FlinkAccessUnavailable,
] as const;

export class FlinkRestError extends Error {
  constructor(
    message: string,
    readonly url: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

/** Connection refused, reset or timed out: the JobManager is down or unreachable. */
export class FlinkUnreachableError extends FlinkRestError {
  override name = FAILURE.FlinkUnreachable;
}
/** 503: the JobManager runs but knows no leader (an election is in progress). */
export class FlinkNoLeaderError extends FlinkRestError {
  override name = FAILURE.FlinkNoLeader;
}
/**
 * A 5xx other than 503. `bare`: Flink's generic "Internal server error." and nothing more, which
 * a JobManager answers to every request when it cannot serve at all (a standby whose link to the
 * new leader broke after a failover); a 500 that names a cause (a program that threw, a jar this
 * JobManager does not have) is an answer about the request.
 */
export class FlinkServerError extends FlinkRestError {
  override name = FAILURE.FlinkServerError;
  constructor(
    message: string,
    url: string,
    status?: number,
    readonly bare = false,
  ) {
    super(message, url, status);
  }
}

const BARE_SERVER_ERROR = /^Internal server error\.?$/;

function isBareServerError(body: unknown): boolean {
  const errors = (body as { errors?: unknown } | undefined)?.errors;
  if (!Array.isArray(errors) || errors.length === 0) return false;
  return errors.every((e) => typeof e === 'string' && BARE_SERVER_ERROR.test(e.trim()));
}
export class FlinkBadRequestError extends FlinkRestError {
  override name = FAILURE.FlinkBadRequest;
}
/** 404: unknown job, jar, trigger id or path. */
export class FlinkNotFoundError extends FlinkRestError {
  override name = FAILURE.FlinkNotFound;
}
/** Any other 4xx (e.g. 409 conflict). */
export class FlinkRequestRejectedError extends FlinkRestError {
  override name = FAILURE.FlinkRequestRejected;
}

/**
 * The REST access of the cluster spec (`rest`) does not work: no wait or retry can fix it, so
 * waits give up at once (`final`) instead of running into their timeout.
 */
export class FlinkAccessError extends FlinkRestError {
  readonly final = true;
}
/** 401/403: the JobManager, or a proxy in front of it, refused the credentials (or wanted some). */
export class FlinkUnauthorizedError extends FlinkAccessError {
  override name = FAILURE.FlinkUnauthorized;
}
/** The TLS handshake failed: an untrusted or mismatched certificate, or no TLS on that port. */
export class FlinkTlsError extends FlinkAccessError {
  override name = FAILURE.FlinkTlsFailed;
}
/** The CA file or the password that `rest` names cannot be read on this worker. */
export class FlinkAccessUnavailableError extends FlinkAccessError {
  override name = FAILURE.FlinkAccessUnavailable;
}

/**
 * Flink answers errors as {"errors": ["..."]}. For a 500 the first entry is "Internal server
 * error." and the cause sits in a stack trace; the root "Caused by:" line is what a person needs.
 */
export function flinkErrorText(body: unknown): string | undefined {
  if (!body || typeof body !== 'object' || !Array.isArray((body as { errors?: unknown }).errors))
    return undefined;
  const lines = (body as { errors: unknown[] }).errors
    .filter((e): e is string => typeof e === 'string')
    .flatMap((e) => e.split('\n'))
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('at ') && !line.startsWith('...'));
  const rootCause = lines
    .filter((line) => line.startsWith('Caused by: '))
    .at(-1)
    ?.slice('Caused by: '.length);
  // An exception without a message (Flink's own null checks throw such) is named by its class.
  const text =
    rootCause ??
    lines.find((line) => /Exception: /.test(line)) ??
    lines.find((line) => /^[\w$.]+(Exception|Error)$/.test(line)) ??
    lines[0];
  return text?.slice(0, 500);
}

/**
 * Flink reports several caller mistakes as 500 (an unknown jar, a missing entry class): those
 * are recognised by their cause, so that no retry is wasted on them.
 */
const NOT_FOUND_CAUSE = /NotFoundException|Jar file .* does not exist|could not be found/;
const REJECTED_PROGRAM_CAUSE =
  /ProgramInvocationException|ClassNotFoundException|Could not find class|NoSuchMethodException/;

/**
 * `credentials` says what was sent, never its value: e.g. `the credentials of rest.basicAuth
 * (user "flink", password from environment variable FLINK_REST_PASSWORD)`; absent, none were.
 */
export function errorForStatus(
  status: number,
  url: string,
  body: unknown,
  credentials?: string,
): FlinkRestError {
  const detail = flinkErrorText(body);
  const message = `${status} from ${url}${detail ? `: ${detail}` : ''}`;
  if (status === 401 || status === 403) {
    const refused = credentials
      ? `refused ${credentials}`
      : 'asks for credentials and none were sent (set rest.basicAuth in the cluster spec)';
    return new FlinkUnauthorizedError(
      `${status} from ${url}: the JobManager or a proxy in front of it ${refused}`,
      url,
      status,
    );
  }
  if (status === 503) return new FlinkNoLeaderError(message, url, status);
  if (status === 404 || (status >= 500 && detail && NOT_FOUND_CAUSE.test(detail))) {
    return new FlinkNotFoundError(message, url, status);
  }
  if (status === 400 || (status >= 500 && detail && REJECTED_PROGRAM_CAUSE.test(detail))) {
    return new FlinkBadRequestError(message, url, status);
  }
  if (status >= 500) return new FlinkServerError(message, url, status, isBareServerError(body));
  return new FlinkRequestRejectedError(message, url, status);
}
