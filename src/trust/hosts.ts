/**
 * Hosts compared the way a connection would reach them: `localhost`, `127.0.0.1` and `::1` are
 * one machine, numeric forms of an address are that address (the URL parser normalises them),
 * and a missing port is the scheme's default. Pure: no DNS lookup, so names are compared as
 * written apart from the loopback aliases.
 */

const LOOPBACK = new Set([
  'localhost',
  'localhost.localdomain',
  '127.0.0.1',
  '::1',
  '::ffff:7f00:1',
  '::ffff:127.0.0.1',
]);

/** The host a name stands for, lower-case, without brackets or a trailing dot; loopback aliases read 127.0.0.1. */
export function canonicalHost(host: string): string {
  const bare = host
    .trim()
    .toLowerCase()
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '');
  if (LOOPBACK.has(bare) || bare.endsWith('.localhost')) return '127.0.0.1';
  try {
    // WHATWG URL parsing turns 2130706433, 0x7f.1 and 0177.0.0.1 into their dotted form.
    const parsed = new URL(`http://${bare.includes(':') ? `[${bare}]` : bare}/`).hostname;
    const normal = parsed.replace(/^\[|\]$/g, '');
    return LOOPBACK.has(normal) ? '127.0.0.1' : normal;
  } catch {
    return bare;
  }
}

/** `host:port` of a URL, with the scheme's default port filled in; undefined for a malformed URL. */
export function urlHostPort(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    const port =
      parsed.port || (parsed.protocol === 'https:' ? '443' : parsed.protocol === 'http:' ? '80' : '');
    return `${canonicalHost(parsed.hostname)}:${port}`;
  } catch {
    return undefined;
  }
}

/** `host:port` of a host and a port as written in a spec. */
export function hostPort(host: string, port: number | string | undefined): string {
  return `${canonicalHost(host)}:${port ?? ''}`;
}

/** The first `host:port` of an Oracle connect string (`host:port/service`, `//host:port/service`, or a descriptor). */
export function connectStringHostPort(connectString: string): string | undefined {
  const descriptor = /HOST\s*=\s*([^)\s]+)\s*\)\s*\(\s*PORT\s*=\s*(\d+)/i.exec(connectString);
  if (descriptor) return hostPort(descriptor[1] as string, descriptor[2]);
  const easy = /^(?:\/\/)?(\[[^\]]+\]|[^:/\s]+)(?::(\d+))?/.exec(connectString.trim());
  return easy ? hostPort(easy[1] as string, easy[2] ?? '1521') : undefined;
}
