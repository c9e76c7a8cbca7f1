import type { AlertChannel } from '../config/schema';
import type { Alert, ChannelOutcome } from './types';

/** The alert `npm run alert:test` sends: info, clearly a test, linking to the cluster's runbooks. */
export function testAlert(cluster: string, at: number, namespace = 'default'): Alert {
  return {
    severity: 'info',
    cluster,
    verdict: 'test',
    title: 'Test alert: this channel works',
    summary:
      `This is a test message from flink-runbooks for cluster ${cluster}. ` +
      'If you can read it, runbook alerts reach you through this channel.',
    action: 'Nothing: sent by npm run alert:test. No runbook is acting on the cluster.',
    incidentKey: `alert-test:${cluster}:${at}`,
    at,
    workflow: { namespace },
  };
}

/** Every channel, ready for a test: a test is info, so each channel's minSeverity is lowered to info. */
export function testChannels(channels: AlertChannel[]): AlertChannel[] {
  return channels.map((channel) => ({ ...channel, minSeverity: 'info' as const }));
}

function duration(ms: number): string {
  return ms < 1_000 ? `${ms} ms` : `${(ms / 1_000).toFixed(1)} s`;
}

/** A table a person reads at a glance, then one summary line. */
export function outcomeTable(outcomes: ChannelOutcome[]): string {
  const rows = outcomes.map((o) => [
    o.channel,
    o.outcome === 'failed' ? 'FAILED' : o.outcome,
    String(o.attempts),
    o.status === undefined ? '-' : String(o.status),
    duration(o.durationMs),
    o.error ?? o.note ?? '',
  ]);
  const header = ['CHANNEL', 'RESULT', 'ATTEMPTS', 'STATUS', 'TIME', 'DETAIL'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  const count = (kind: ChannelOutcome['outcome']) => outcomes.filter((o) => o.outcome === kind).length;
  const summary = `${count('sent')} sent, ${count('failed')} failed, ${count('skipped')} skipped`;
  return [line(header), ...rows.map(line), '', summary].join('\n');
}
