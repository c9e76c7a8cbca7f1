/**
 * The part of node-oracledb (which ships no types) that the Oracle probe uses. Thin mode, the
 * default: pure JavaScript, no Oracle Client libraries.
 */
declare module 'oracledb' {
  export interface ConnectionAttributes {
    user: string;
    password: string;
    connectString: string;
    /** Seconds to establish the Oracle Net connection (whole seconds). */
    connectTimeout?: number;
    /** Seconds for the transport (TCP, TLS) connect (whole seconds). */
    transportConnectTimeout?: number;
    /** Extra attempts over the address list; 0 = one attempt. */
    retryCount?: number;
  }

  export interface ExecuteOptions {
    autoCommit?: boolean;
  }

  export interface Result {
    rowsAffected?: number;
    /** A query's rows, each an array of column values (the default outFormat). */
    rows?: unknown[][];
  }

  export interface Connection {
    /** Milliseconds each round trip to the database may take; 0 = none. */
    callTimeout: number;
    execute(sql: string, binds: unknown[], options: ExecuteOptions): Promise<Result>;
    commit(): Promise<void>;
    rollback(): Promise<void>;
    close(): Promise<void>;
  }

  export function getConnection(attributes: ConnectionAttributes): Promise<Connection>;
  export const thin: boolean;

  const oracledb: {
    getConnection: typeof getConnection;
    readonly thin: boolean;
  };
  export default oracledb;
}
