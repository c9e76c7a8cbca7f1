/**
 * Secret scrubbing for everything that leaves the alert code: outcomes, errors, log lines.
 * Webhook URLs are secrets as a whole (the token is in the path or the query), so besides the
 * exact value every recognisable piece of a secret URL is scrubbed too.
 */

export const REDACTED = '[redacted]';

/** Pieces of a URL shorter than this are left alone ("send", "hook"); tokens are longer. */
const MIN_URL_PIECE = 6;

/** The strings that would give a secret away: the value, its encodings, and for a URL its token-bearing parts. */
export function secretVariants(secret: string): string[] {
  const out = new Set<string>();
  const add = (value: string | undefined, min = 1) => {
    if (value === undefined || value.length < min) return;
    out.add(value);
    const encoded = encodeURIComponent(value);
    if (encoded !== value) out.add(encoded);
  };
  for (const value of new Set([secret, secret.trim()])) {
    add(value);
    if (value.length >= 4) out.add(Buffer.from(value, 'utf8').toString('base64'));
  }
  let url: URL | undefined;
  try {
    url = /^[a-z][a-z0-9+.-]*:\/\//i.test(secret.trim()) ? new URL(secret.trim()) : undefined;
  } catch {
    url = undefined;
  }
  if (url) {
    add(url.href);
    add(`${url.pathname}${url.search}`, MIN_URL_PIECE);
    add(url.search.slice(1), MIN_URL_PIECE);
    add(decodeSafe(url.username), 1);
    add(decodeSafe(url.password), 1);
    add(url.username, 1);
    add(url.password, 1);
    for (const [, value] of url.searchParams) add(value, MIN_URL_PIECE);
    for (const segment of url.pathname.split('/')) {
      add(segment, MIN_URL_PIECE);
      add(decodeSafe(segment), MIN_URL_PIECE);
    }
  }
  out.delete('');
  return [...out];
}

function decodeSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * Credentials that exception text from Flink, JDBC drivers and SMTP servers carries without our
 * knowing the secret: `user:password@` in a URL, Oracle's `user/password@`, a password, token or
 * key in a URL's query or a JDBC property list, `password=...` in a message, Authorization headers.
 */
const CREDENTIAL_PATTERNS: Array<[RegExp, string]> = [
  // scheme://user:password@host
  [/(\b[a-z][a-z0-9+.-]*:\/\/[^\s/:@'"]*:)[^\s@/'"]+@/gi, `$1${REDACTED}@`],
  // jdbc:oracle:thin:user/password@host
  [/(\bjdbc:oracle:[a-z]+:[^\s/@'"]+\/)[^\s@'"]+@/gi, `$1${REDACTED}@`],
  // ?password=..., &token=..., ;password=... (JDBC property lists), access_token, api-key, sig, sign
  [
    /([?&;#](?:[a-z0-9_.-]*(?:password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key|credential|signature)[a-z0-9_.-]*|key|sig|sign|auth)=)[^&;#\s'"]+/gi,
    `$1${REDACTED}`,
  ],
  // password=... in free text, and "password": "..." in JSON (a field path such as
  // `rest.basicAuth.password: must be ...` in an error message is left alone)
  [/(\b(?:password|passwd|pwd|secret|token)\s*=\s*)(?!\[redacted\])[^\s"',;)&]+/gi, `$1${REDACTED}`],
  [/("(?:password|passwd|pwd|secret|token)"\s*:\s*")[^"]+/gi, `$1${REDACTED}`],
  // Authorization: Basic ... / Bearer ...
  [/(\b(?:Basic|Bearer)\s+)[A-Za-z0-9+/._~-]{8,}=*/g, `$1${REDACTED}`],
];

/** Scrubs credentials recognisable by their shape, for text whose secrets we were never told. */
export function redactCredentials(text: string): string {
  let result = text;
  for (const [pattern, replacement] of CREDENTIAL_PATTERNS) result = result.replace(pattern, replacement);
  return result;
}

/**
 * Replaces every secret (and every variant that would give it away) in `text` with [redacted],
 * and every credential recognisable by its shape (redactCredentials).
 */
export function redact(text: string, secrets: readonly string[]): string {
  return redactCredentials(redactKnown(text, secrets));
}

function redactKnown(text: string, secrets: readonly string[]): string {
  const needles = [...new Set(secrets.filter((s) => s.length > 0).flatMap(secretVariants))].sort(
    (a, b) => b.length - a.length,
  );
  let result = text;
  for (const needle of needles) {
    if (result.includes(needle)) result = result.split(needle).join(REDACTED);
  }
  return result;
}

/** The message of anything thrown, as one line of text (still to be redacted). */
export function errorText(error: unknown): string {
  if (error instanceof Error) {
    const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
    const code = (error as NodeJS.ErrnoException).code;
    const text = `${error.message || error.name}${cause}`;
    return code && !text.includes(code) ? `${text} (${code})` : text;
  }
  return String(error);
}
