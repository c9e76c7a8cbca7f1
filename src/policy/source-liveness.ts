/**
 * Pure: what the CDC source's side says about a silent job. A job that is RUNNING, completes
 * every checkpoint and writes nothing is either reading a quiet database or holding a dead
 * connection (cdc-zombies.md B.1); only the database can tell the two apart. Each look reads the
 * source once (src/sources/*); `trackSource` keeps what must be compared across looks (has
 * reply_time moved, since when is the slot inactive, which upstream changes are not yet
 * confirmed) and turns it into `SourceEvidence`, which the health policy weighs.
 * Table-tested in test/unit/source-liveness.test.ts.
 */

/** One reading of a PostgreSQL source: its replication slot, its walsender, its WAL. */
export interface PostgresReading {
  type: 'postgres';
  at: number;
  slot: string;
  /** Undefined when the slot does not exist. */
  slotState?: {
    active: boolean;
    activePid?: number;
    confirmedFlushLsn?: string;
    /** PostgreSQL 17 and later say when the slot went inactive (epoch ms). */
    inactiveSince?: number;
  };
  /** The pg_stat_replication row of the slot's walsender; undefined when there is none. */
  walsender?: { pid: number; state: string; replyTime?: string };
  currentWalLsn: string;
  /** pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn). */
  lagBytes?: number;
  /** Inserts, updates and deletes counted so far on the captured tables (pg_stat_user_tables). */
  tableChanges?: number;
}

/** One reading of an Oracle source: the CDC user's sessions and the current SCN. */
export interface OracleReading {
  type: 'oracle';
  at: number;
  cdcUser: string;
  sessions: Array<{ sid: number; status: string; lastCallEtS: number; event?: string }>;
  currentScn: string;
}

/** The source could not be asked (refused, timed out, frozen, wrong password). */
export interface SourceUnreachable {
  type: 'postgres' | 'oracle';
  at: number;
  error: string;
}

export type SourceReading = PostgresReading | OracleReading | SourceUnreachable;

export interface SourceSettings {
  /** A dead-transport sign counts once it lasted this long. */
  deadAfterMs: number;
  /** How long a change may take to be confirmed upstream: the connector's commit delay. */
  deliveryAllowanceMs: number;
}

/** What the tracker remembers between looks; small plain data (it travels in heartbeats). */
export interface SourceTrack {
  unreachableSince?: number;
  transportDeadSince?: number;
  replyTime?: string;
  replySeenSince?: number;
  lastLook?: { at: number; walLsn: string; tableChanges?: number };
  /** Upstream changes seen and not yet confirmed: from which WAL position, seen when. */
  pending: Array<{ seenAt: number; fromLsn: string }>;
}

/** What the source says, ready for the verdict. Durations are measured on the worker's clock. */
export interface SourceEvidence {
  type: 'postgres' | 'oracle';
  /** One line for people: what was read. */
  summary: string;
  unreachable?: { error: string; forMs: number };
  /** The consumer is not connected: slot inactive, no walsender, no session of the CDC user. */
  transportDead?: { what: string; forMs: number };
  /** The consumer is connected but silent: reply_time frozen, or no call for this long. */
  consumerSilent?: { what: string; forMs: number };
  /** Changes to the captured tables the consumer has not confirmed for this long. */
  undelivered?: { forMs: number; fromLsn: string; confirmedLsn?: string; lagBytes?: number };
  /** True when the source shows nothing waiting to be delivered. */
  nothingPending: boolean;
  /**
   * reply_time took a new value since a look longer than the window ago: the consumer spoke at
   * some point since, but perhaps not lately. A look half a window later tells.
   */
  unsettled?: boolean;
}

export const NEW_TRACK: SourceTrack = { pending: [] };

/** "0/19E41C8" → a number of bytes; undefined when it is not an LSN. */
export function lsnToNumber(lsn: string | undefined): number | undefined {
  const match = lsn === undefined ? null : /^([0-9A-F]{1,8})\/([0-9A-F]{1,8})$/i.exec(lsn);
  if (!match) return undefined;
  return Number.parseInt(match[1] as string, 16) * 2 ** 32 + Number.parseInt(match[2] as string, 16);
}

const kib = (bytes: number) => (bytes < 1024 ? `${bytes} B` : `${(bytes / 1024).toFixed(1)} KiB`);
const secs = (ms: number) => `${Math.round(ms / 1000)} s`;

export function trackSource(
  prev: SourceTrack,
  reading: SourceReading,
  settings: SourceSettings,
): { track: SourceTrack; evidence: SourceEvidence } {
  if ('error' in reading) {
    const since = prev.unreachableSince ?? reading.at;
    // The other timers keep running: a database back after a freeze is compared with before it.
    return {
      track: { ...prev, unreachableSince: since },
      evidence: {
        type: reading.type,
        summary: `the ${reading.type} source could not be asked: ${reading.error}`,
        unreachable: { error: reading.error, forMs: reading.at - since },
        nothingPending: false,
      },
    };
  }
  return reading.type === 'postgres'
    ? trackPostgres({ ...prev, unreachableSince: undefined }, reading, settings)
    : trackOracle({ ...prev, unreachableSince: undefined }, reading, settings);
}

function trackPostgres(
  prev: SourceTrack,
  r: PostgresReading,
  settings: SourceSettings,
): { track: SourceTrack; evidence: SourceEvidence } {
  const slot = r.slotState;
  const walsenderUp = slot?.active === true && r.walsender !== undefined;
  let deadWhat: string | undefined;
  if (!slot) deadWhat = `replication slot ${r.slot} does not exist`;
  else if (!slot.active) deadWhat = `replication slot ${r.slot} is inactive (no consumer connected)`;
  else if (!r.walsender) deadWhat = `slot ${r.slot} has no walsender in pg_stat_replication`;
  const deadSince = deadWhat
    ? Math.min(prev.transportDeadSince ?? r.at, slot?.inactiveSince ?? r.at)
    : undefined;

  // reply_time is not a wall clock with every client (pgjdbc's moves 1 ms a second): only
  // whether it moved counts, measured from the first look that saw its current value.
  const reply = walsenderUp ? r.walsender?.replyTime : undefined;
  const replySeenSince =
    reply === undefined ? undefined : reply === prev.replyTime ? (prev.replySeenSince ?? r.at) : r.at;

  // Changes to the captured tables since the last look must be confirmed beyond the WAL
  // position read at that look: the consumer's confirmed_flush_lsn has to pass it.
  const pending = [...prev.pending];
  if (
    prev.lastLook &&
    r.tableChanges !== undefined &&
    prev.lastLook.tableChanges !== undefined &&
    r.tableChanges > prev.lastLook.tableChanges
  ) {
    pending.push({ seenAt: r.at, fromLsn: prev.lastLook.walLsn });
  }
  const confirmed = lsnToNumber(slot?.confirmedFlushLsn);
  const open = pending.filter((p) => confirmed === undefined || confirmed <= (lsnToNumber(p.fromLsn) ?? 0));
  const oldest = open[0];

  const track: SourceTrack = {
    transportDeadSince: deadSince,
    replyTime: reply,
    replySeenSince,
    lastLook: { at: r.at, walLsn: r.currentWalLsn, tableChanges: r.tableChanges },
    // Bounded: a consumer that never confirms must not grow the heartbeat without limit.
    pending: open.slice(-20),
  };
  const evidence: SourceEvidence = {
    type: 'postgres',
    summary: postgresSummary(r),
    nothingPending: open.length === 0 && !deadWhat,
  };
  if (deadWhat && deadSince !== undefined)
    evidence.transportDead = { what: deadWhat, forMs: r.at - deadSince };
  if (
    replySeenSince === r.at &&
    prev.lastLook !== undefined &&
    r.at - prev.lastLook.at > settings.deadAfterMs
  ) {
    evidence.unsettled = true;
  }
  if (replySeenSince !== undefined && r.at - replySeenSince > 0) {
    evidence.consumerSilent = {
      what: `reply_time of walsender ${r.walsender?.pid} has not moved`,
      forMs: r.at - replySeenSince,
    };
  }
  if (oldest) {
    evidence.undelivered = {
      forMs: r.at - oldest.seenAt,
      fromLsn: oldest.fromLsn,
      confirmedLsn: slot?.confirmedFlushLsn,
      lagBytes: r.lagBytes,
    };
  }
  return { track, evidence };
}

function postgresSummary(r: PostgresReading): string {
  const slot = r.slotState;
  const parts = [
    !slot
      ? `slot ${r.slot} missing`
      : slot.active
        ? `slot ${r.slot} active (pid ${slot.activePid ?? '?'})`
        : `slot ${r.slot} inactive`,
    r.walsender ? `walsender ${r.walsender.state}` : 'no walsender',
    `WAL ${r.currentWalLsn}`,
  ];
  if (slot?.confirmedFlushLsn) parts.push(`confirmed ${slot.confirmedFlushLsn}`);
  if (r.lagBytes !== undefined) parts.push(`${kib(r.lagBytes)} behind`);
  return parts.join(', ');
}

function trackOracle(
  prev: SourceTrack,
  r: OracleReading,
  settings: SourceSettings,
): { track: SourceTrack; evidence: SourceEvidence } {
  const deadWhat = r.sessions.length === 0 ? `no session of CDC user ${r.cdcUser} in V$SESSION` : undefined;
  const deadSince = deadWhat ? (prev.transportDeadSince ?? r.at) : undefined;
  // LAST_CALL_ET is the database's own clock: seconds since the session's current call began
  // (ACTIVE) or since its last call ended (INACTIVE). A LogMiner reader calls every second or
  // so; the freshest session is the one that counts.
  const freshest = r.sessions.reduce<OracleReading['sessions'][number] | undefined>(
    (best, s) => (best === undefined || s.lastCallEtS < best.lastCallEtS ? s : best),
    undefined,
  );
  const evidence: SourceEvidence = {
    type: 'oracle',
    summary: freshest
      ? `${r.sessions.length} session(s) of ${r.cdcUser}, freshest ${freshest.status} for ${freshest.lastCallEtS} s${freshest.event ? ` (${freshest.event})` : ''}, SCN ${r.currentScn}`
      : `no session of ${r.cdcUser}, SCN ${r.currentScn}`,
    // Oracle offers no cheap "changes not yet read": a live, calling session is all it shows.
    nothingPending:
      !deadWhat && freshest !== undefined && freshest.lastCallEtS * 1000 <= settings.deadAfterMs,
  };
  if (deadWhat && deadSince !== undefined)
    evidence.transportDead = { what: deadWhat, forMs: r.at - deadSince };
  if (freshest && freshest.lastCallEtS > 0) {
    evidence.consumerSilent = {
      what: `session ${freshest.sid} of ${r.cdcUser} ${freshest.status === 'ACTIVE' ? 'has been in one call' : 'has made no call'}`,
      forMs: freshest.lastCallEtS * 1000,
    };
  }
  return {
    track: { pending: [], transportDeadSince: deadSince, lastLook: { at: r.at, walLsn: r.currentScn } },
    evidence,
  };
}

/** What the source evidence means for a silent job: dead signs past their window, or not yet. */
export interface SourceJudgement {
  /** Reasons the source is dead, each past its window: a zombie. */
  dead: string[];
  /** Reasons worth a warning: the source cannot be asked, or a dead sign not yet past its window. */
  warnings: string[];
  /** When a sign will have lasted its window: look again then rather than a full interval later. */
  lookAgainInMs?: number;
}

export function judgeSource(evidence: SourceEvidence, settings: SourceSettings): SourceJudgement {
  const dead: string[] = [];
  const warnings: string[] = [];
  const soon: number[] = [];
  const weigh = (what: string, forMs: number, windowMs: number, warnEarly: boolean) => {
    if (forMs > windowMs) dead.push(`${what} for ${secs(forMs)} (window ${secs(windowMs)})`);
    else {
      if (warnEarly) warnings.push(`${what} for ${secs(forMs)}`);
      soon.push(windowMs - forMs + 1_000);
    }
  };
  if (evidence.unreachable) {
    warnings.push(`${evidence.summary} (for ${secs(evidence.unreachable.forMs)}) while the job is silent`);
    return { dead, warnings };
  }
  if (evidence.transportDead) {
    weigh(evidence.transportDead.what, evidence.transportDead.forMs, settings.deadAfterMs, true);
  }
  // A status message every few seconds is normal; one missed for the window is not.
  if (evidence.consumerSilent && evidence.consumerSilent.forMs > settings.deadAfterMs / 3) {
    weigh(evidence.consumerSilent.what, evidence.consumerSilent.forMs, settings.deadAfterMs, false);
  }
  if (evidence.undelivered) {
    const u = evidence.undelivered;
    weigh(
      `changes to the captured tables since WAL ${u.fromLsn} not confirmed (confirmed_flush_lsn ${u.confirmedLsn ?? 'none'}${u.lagBytes !== undefined ? `, ${kib(u.lagBytes)} behind` : ''})`,
      u.forMs,
      settings.deliveryAllowanceMs,
      false,
    );
  }
  if (evidence.unsettled) soon.push(settings.deadAfterMs / 2);
  const lookAgainInMs = dead.length === 0 && soon.length > 0 ? Math.min(...soon) : undefined;
  return { dead, warnings, lookAgainInMs };
}
