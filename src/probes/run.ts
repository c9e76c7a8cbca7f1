import { runMarkerProbe } from './marker';
import { runSqlProbe, type SqlProbeOptions } from './sql';
import type { ProbeRun, ProbeSpec } from './types';

export interface RunProbeOptions extends SqlProbeOptions {
  /** Marker probe: the marker to write (a retry passes the same one); default a new one. */
  marker?: string;
}

/** Makes the probe's change at the source: the SQL statement, or a new marker for the sandbox job. */
export async function runProbe(probe: ProbeSpec, options: RunProbeOptions = {}): Promise<ProbeRun> {
  return probe.type === 'marker' ? runMarkerProbe(probe, options.marker) : runSqlProbe(probe, options);
}
