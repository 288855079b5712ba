/**
 * Social-planner tags: a per-location catalog (paged list, TTL, single-flight load,
 * details only for ids the cache lacks), enrichment, the contact tag diff and the
 * validation report. The state lives in the Rust core; this file sends the requests.
 */
import * as glue from "./wasm/ghl_bridge_wasm.js";
import { guard, instanceGeneration } from "./errors.js";
import { unchecked, type Client } from "./client.js";
import {
  arg,
  async,
  checkMethods,
  func,
  list,
  name,
  names,
  object,
  optional,
  options as checkOptions,
  withMethods,
} from "./check.js";
import type {
  CatalogConfig,
  DetailsOutcome,
  EnrichOptions,
  EnrichReport,
  Need,
  ReportOptions,
  RequestParams,
  Resolution,
  Tag,
  TagDiff,
  TagReference,
  TagReport,
} from "./wasm/types.js";

/** Options of `createTagCatalog`. */
export interface TagCatalogOptions {
  /** The client that sends the list and details requests. */
  client: Client;
  /** The location whose tags are cached. */
  locationId: string;
  /** Page size, TTL, details batch... */
  config?: Partial<CatalogConfig>;
  /** The clock (ms); defaults to `Date.now`. */
  now?: () => number;
}

/** A location's tag catalog. */
export interface TagCatalogHandle {
  /** Loads the list when stale (concurrent callers share one load). */
  load(): Promise<void>;
  /** Marks the cache stale (e.g. on a tag event). */
  invalidate(): void;
  /** True when loaded and within the TTL. */
  isFresh(): boolean;
  /** Resolves an id or a name (trimmed, case-insensitive); loads first when stale. */
  resolve(idOrName: string): Promise<Resolution>;
  /** Fetches details for the ids the cache lacks (batched); returns what was merged. */
  details(ids: string[]): Promise<DetailsOutcome[]>;
  /** Attaches tag details to copies of the records (loads and fetches as needed). */
  enrich(
    records: unknown[],
    options?: Partial<EnrichOptions>,
  ): Promise<{ records: unknown[]; report: EnrichReport }>;
  /** The tag validation report (loads first when stale). */
  report(
    references: TagReference[],
    options?: Partial<ReportOptions>,
  ): Promise<{ report: TagReport; markdown: string }>;
  /** Every cached tag. */
  tags(): Tag[];
}

/** Creates a catalog for one location. Nothing is fetched until it is needed. */
export function createTagCatalog(options: TagCatalogOptions): TagCatalogHandle {
  checkOptions("createTagCatalog", options, {
    client: withMethods("send"),
    locationId: name,
    config: optional(object),
    now: optional(func),
  });
  const now = options.now ?? Date.now;
  const make = () => guard(() => new glue.TagCatalog(options.locationId, options.config));
  let inner = make();
  let generation = instanceGeneration();
  // After a panic reset the Wasm object is gone: start again with an empty catalog.
  const wasm = (): glue.TagCatalog => {
    if (generation !== instanceGeneration()) {
      inner = make();
      generation = instanceGeneration();
      loading = undefined;
    }
    return inner;
  };
  let loading: Promise<void> | undefined;

  async function drive(): Promise<void> {
    let need: Need = guard(() => wasm().ensureFresh(now()));
    while (need.need === "page") {
      const page = need;
      let body: unknown;
      try {
        body = (await options.client.send(unchecked(page.operation), page.params)).data;
      } catch (e) {
        guard(() => wasm().pageFailed(page.load));
        throw e;
      }
      need = guard(() => wasm().handlePage(page.load, body, now()));
    }
  }

  async function load(): Promise<void> {
    if (loading) return loading;
    if (guard(() => wasm().isFresh(now()))) return;
    loading = drive().finally(() => {
      loading = undefined;
    });
    return loading;
  }

  async function fetchDetails(requests: RequestParams[]): Promise<DetailsOutcome[]> {
    const out: DetailsOutcome[] = [];
    for (const params of requests) {
      const ids = ((params.body as { tagIds?: string[] } | undefined)?.tagIds ?? []).slice();
      const body = (await options.client.send("social-media-posting.get-tags-by-ids", params)).data;
      out.push(guard(() => wasm().handleDetails(ids, body)));
    }
    return out;
  }

  return checkMethods(
    "tagCatalog",
    {
      load,
      invalidate: () => guard(() => wasm().invalidate()),
      isFresh: () => guard(() => wasm().isFresh(now())),
      async resolve(idOrName) {
        await load();
        return guard(() => wasm().lookup(idOrName));
      },
      async details(ids) {
        return fetchDetails(guard(() => wasm().detailsRequests(ids)));
      },
      async enrich(records, opts) {
        await load();
        await fetchDetails(guard(() => wasm().enrichmentRequests(records, opts)));
        return guard(() => wasm().enrich(records, opts));
      },
      async report(references, opts) {
        await load();
        return guard(() => wasm().report(references, opts));
      },
      tags: () => guard(() => wasm().tags()),
    } satisfies TagCatalogHandle,
    {
      resolve: async(["idOrName", name]),
      details: async(["ids", names]),
      enrich: async(["records", list], ["options", optional(object)]),
      report: async(["references", list], ["options", optional(object)]),
    },
  );
}

/**
 * What to add and remove so a contact with `current` tags ends with the desired ones
 * (names compared trimmed and case-insensitively; adding wins over removing).
 */
export function tagDiff(add: string[], remove: string[], current: string[]): TagDiff {
  arg("tagDiff", "add", add, names);
  arg("tagDiff", "remove", remove, names);
  arg("tagDiff", "current", current, names);
  return guard(() => glue.tagDiff(add, remove, current));
}
