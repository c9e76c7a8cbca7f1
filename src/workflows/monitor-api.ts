/** The monitor's contract under its former path, for the CLI and tests that import it from here. */
export * from '../temporal/monitor-contract';
