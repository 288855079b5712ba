/**
 * `openStore`: the runner's durable state, embedded (PGlite in one local folder, the
 * default: nothing to install) or PostgreSQL (scale-out, N workers). Both are the same
 * `SqlStore` over the same migrations; see `sql.ts`.
 *
 * The embedded store applies its migrations when it opens (one process owns it). The
 * PostgreSQL store does not: `serve --migrate` runs `migrate()`, and a store opened on
 * a database without the tables answers `STORE_NOT_MIGRATED`.
 */
import { GhlBridgeError } from "../../errors.js";
import { openEmbedded } from "./embedded.js";
import { openPostgres } from "./postgres.js";
import { SqlStore } from "./sql.js";
import type { RunnerStore } from "./types.js";

export type * from "./types.js";
export { MIGRATIONS } from "./migrations.js";
export type { Migration } from "./migrations.js";
export { SqlStore, isStoreError } from "./sql.js";
export { storeError } from "./errors.js";
export type { StoreFailure } from "./errors.js";

/** Where the store lives. */
export type StoreOptions =
  | {
      /** One local PGlite data folder (created when missing). */
      kind: "embedded";
      /** The folder. */
      path: string;
    }
  | {
      /** A PostgreSQL database shared by the workers. */
      kind: "postgres";
      /** `postgresql://user:password@host:port/database` (never logged). */
      url: string;
      /** Connections in this process's pool (default 10). */
      poolSize?: number;
    };

/** Opens the store (the embedded one migrated, the PostgreSQL one as it is). */
export async function openStore(options: StoreOptions): Promise<RunnerStore & SqlStore> {
  if (options === null || typeof options !== "object")
    throw new GhlBridgeError("INVALID_ARGUMENT", "openStore: options must be an object", {
      function: "openStore",
      argument: "options",
    });
  if (options.kind === "embedded") {
    if (typeof options.path !== "string" || options.path.length === 0)
      throw new GhlBridgeError("INVALID_ARGUMENT", "openStore: path must be a folder path", {
        function: "openStore",
        argument: "options.path",
      });
    const store = new SqlStore(await openEmbedded(options.path));
    try {
      await store.migrate();
    } catch (e) {
      await store.close();
      throw e;
    }
    return store;
  }
  if (options.kind === "postgres") {
    if (typeof options.url !== "string" || !/^postgres(ql)?:\/\//.test(options.url))
      throw new GhlBridgeError(
        "INVALID_ARGUMENT",
        "openStore: url must be a postgresql:// connection string",
        { function: "openStore", argument: "options.url" },
      );
    const poolSize = options.poolSize;
    if (poolSize !== undefined && (!Number.isSafeInteger(poolSize) || poolSize < 1))
      throw new GhlBridgeError(
        "INVALID_ARGUMENT",
        "openStore: poolSize must be a positive integer",
        {
          function: "openStore",
          argument: "options.poolSize",
        },
      );
    return new SqlStore(await openPostgres({ url: options.url, poolSize }));
  }
  throw new GhlBridgeError("INVALID_ARGUMENT", "openStore: kind must be embedded or postgres", {
    function: "openStore",
    argument: "options.kind",
  });
}
