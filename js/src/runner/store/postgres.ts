/**
 * The PostgreSQL engine (`pg`, a pool of connections): the scale-out store that N worker
 * processes share. A commit is durable when PostgreSQL says so (`synchronous_commit`
 * as the server is configured: on by default). A connection that breaks (the server
 * restarting) is dropped from the pool and the failing call rejects with
 * `STORE_UNAVAILABLE`; the next call connects again.
 */
import { sqlOf } from "./sql.js";
import type { Db, Sql } from "./sql.js";
import { storeError } from "./errors.js";

/** Options of the PostgreSQL engine. */
export interface PostgresOptions {
  /** `postgresql://user@host:port/db` (a password in it is never logged). */
  url: string;
  /** Connections in the pool (default 10). */
  poolSize?: number;
  /** How long a call waits for a connection, in ms (default 15,000). */
  connectTimeoutMs?: number;
}

interface PgClient {
  query(text: string, params?: unknown[]): Promise<{ rows: unknown[] }>;
  release(destroy?: boolean | Error): void;
}

interface PgPool {
  query(text: string, params?: unknown[]): Promise<{ rows: unknown[] }>;
  connect(): Promise<PgClient>;
  end(): Promise<void>;
  on(event: "error", f: (e: Error) => void): void;
}

/** Opens a pool (connects lazily; `ping()` checks the server). */
export async function openPostgres(options: PostgresOptions): Promise<Db> {
  let pool: PgPool;
  const poolSize = options.poolSize ?? 10;
  try {
    const pg = (await import("pg")).default as unknown as {
      Pool: new (config: Record<string, unknown>) => PgPool;
      types: { setTypeParser(oid: number, f: (v: string) => unknown): void };
    };
    pool = new pg.Pool({
      connectionString: options.url,
      max: poolSize,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 15_000,
      idleTimeoutMillis: 10_000,
    });
  } catch (e) {
    throw storeError("postgres", "open", e);
  }
  // An idle connection that breaks (server restart) must not crash the process; the
  // pool drops it and the next query connects again.
  pool.on("error", () => undefined);
  return {
    kind: "postgres",
    // Intake batches on up to a third of the pool (others keep connections for the
    // workers' claims and leases); the server's group commit shares their WAL flushes.
    writers: Math.max(1, Math.min(4, Math.floor(poolSize / 3))),
    ...sqlOf(pool),
    async tx<T>(f: (q: Sql) => Promise<T>): Promise<T> {
      const client = await pool.connect();
      let broken: unknown;
      try {
        await client.query("BEGIN");
        const out = await f(sqlOf(client));
        await client.query("COMMIT");
        return out;
      } catch (e) {
        broken = e;
        await client.query("ROLLBACK").catch(() => undefined);
        throw e;
      } finally {
        // A connection whose transaction failed may be broken: do not reuse it.
        client.release(broken === undefined ? undefined : true);
      }
    },
    one: (f) => f(sqlOf(pool)),
    async close() {
      await pool.end();
    },
  };
}
