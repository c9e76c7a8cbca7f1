import type { z } from 'zod';
import type { outputSchema, probeSchema } from '../config/schema';

/**
 * The seeds' end-to-end capture check: make a change at the source, then see it arrive in
 * committed output. A probe spec holds secret references only; the password is read inside the
 * probe functions. Everything here is plain data: activities take and return it.
 */
export type ProbeSpec = z.output<typeof probeSchema>;
export type SqlProbeSpec = Extract<ProbeSpec, { type: 'postgres' | 'oracle' }>;
export type PostgresProbeSpec = Extract<ProbeSpec, { type: 'postgres' }>;
export type OracleProbeSpec = Extract<ProbeSpec, { type: 'oracle' }>;
export type MarkerProbeSpec = Extract<ProbeSpec, { type: 'marker' }>;
export type OutputSpec = z.output<typeof outputSchema>;
/** As written in a spec or an activity input: defaults not yet filled in. */
export type ProbeSpecInput = z.input<typeof probeSchema>;
export type OutputSpecInput = z.input<typeof outputSchema>;

/** What a SQL probe did: the statement(s) ran in one transaction, committed at `committedAt`. */
export interface SqlProbeRun {
  type: 'postgres' | 'oracle';
  /** Rows the statements changed; undefined when the database does not say (a PL/SQL block). */
  rowsAffected: number | undefined;
  /** Wall clock, ms since the epoch: before connecting, and once the commit returned. */
  startedAt: number;
  committedAt: number;
  /** How long the spec allows for the change to show up in the output. */
  timeoutMs: number;
}

/** What the marker probe did: `marker` is in `<controlDir>/marker` since `writtenAt`. */
export interface MarkerProbeRun {
  type: 'marker';
  marker: string;
  writtenAt: number;
  timeoutMs: number;
}

export type ProbeRun = SqlProbeRun | MarkerProbeRun;

/** The marker arrived: the first committed row that carries it. */
export interface MarkerCapture {
  type: 'marker';
  marker: string;
  /** The row's sequence number, when the output has a sequence column. */
  sequence: number | undefined;
  file: string;
  /** From writing the marker to seeing it committed (bounded below by the poll interval). */
  arrivedAfterMs: number;
  /** How long this wait took. */
  waitedMs: number;
}

/** Committed files written after the SQL probe's commit: CDC's rows cannot be told apart here. */
export interface SqlCapture {
  type: 'postgres' | 'oracle';
  files: string[];
  rows: number;
  arrivedAfterMs: number;
  waitedMs: number;
}

export type ProbeCapture = MarkerCapture | SqlCapture;
