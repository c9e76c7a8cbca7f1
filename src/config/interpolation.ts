import type { SpecIssue } from './errors';
import { formatPath } from './errors';

/**
 * `${NAME}` may set hosts, ports, paths and image names, never a secret: whatever is interpolated
 * becomes part of the spec, and the spec travels into workflow history. So a variable that is
 * named like a secret is refused anywhere, and in a URL a variable may only give the host and port.
 */

const REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-[^}]*)?\}/g;
const SECRET_NAME = /pass|secret|token|key|credential|auth|cookie|session|private/i;
/** The scheme and `host:port` of a URL template, up to where the path, query or fragment starts. */
const URL_AUTHORITY = /^[a-z][a-z0-9+.-]*:\/\/[^/?#@]*/i;

export function interpolationIssues(document: unknown, path: PropertyKey[] = []): SpecIssue[] {
  if (typeof document === 'string') return stringIssues(document, path);
  if (Array.isArray(document)) return document.flatMap((item, i) => interpolationIssues(item, [...path, i]));
  if (document !== null && typeof document === 'object')
    return Object.entries(document).flatMap(([key, item]) => interpolationIssues(item, [...path, key]));
  return [];
}

function stringIssues(text: string, path: PropertyKey[]): SpecIssue[] {
  const issues: SpecIssue[] = [];
  const at = formatPath(path);
  for (const match of text.matchAll(REFERENCE)) {
    const name = match[1] as string;
    if (SECRET_NAME.test(name)) {
      issues.push({
        path: at,
        message: `\${${name}} looks like a secret: secrets are references ({fromEnv: ${name}}) in secret fields, never interpolated into the spec`,
      });
      continue;
    }
    const authority = URL_AUTHORITY.exec(text)?.[0] ?? '';
    const isUrl = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) && !text.startsWith('file:');
    const end = (match.index ?? 0) + match[0].length;
    // Past the host and port, or before an "@" that ends a user:password part.
    if (isUrl && (end > authority.length || text[authority.length] === '@'))
      issues.push({
        path: at,
        message: `\${${name}} may only set a URL's host and port: in its path, query or credentials it would put a secret into workflow history`,
      });
  }
  return issues;
}
