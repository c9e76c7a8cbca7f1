/**
 * Pure: do the JobManagers agree on the high-availability settings that must be identical?
 * (The seeds compare them by hand with `grep high-availability` in both containers.)
 * Keys that are per JobManager by nature, such as its own HA RPC port, are not compared.
 */
const PER_JOBMANAGER = new Set(['high-availability.jobmanager.port']);

export interface HaAgreement {
  /** JobManagers whose configuration could be read. */
  read: string[];
  /** JobManagers that did not answer, with why. */
  unread: Array<{ url: string; error: string }>;
  differences: Array<{ key: string; values: Record<string, string | null> }>;
  /** True only when at least two JobManagers were read and none differs. */
  agree: boolean;
}

export function haAgreementReport(
  configs: Array<{ url: string; config?: Record<string, string>; error?: string }>,
): HaAgreement {
  const read = configs.filter(
    (c): c is { url: string; config: Record<string, string> } => c.config !== undefined,
  );
  const keys = new Set(
    read
      .flatMap((c) => Object.keys(c.config))
      .filter((k) => k.startsWith('high-availability') && !PER_JOBMANAGER.has(k)),
  );
  const differences = [...keys]
    .sort()
    .map((key) => ({ key, values: Object.fromEntries(read.map((c) => [c.url, c.config[key] ?? null])) }))
    .filter((d) => new Set(Object.values(d.values)).size > 1);
  return {
    read: read.map((c) => c.url),
    unread: configs
      .filter((c) => c.config === undefined)
      .map((c) => ({ url: c.url, error: c.error ?? 'unknown' })),
    differences,
    agree: read.length >= 2 && differences.length === 0,
  };
}
