/**
 * Loads the package's Wasm core on first use (a dynamic `import()` of its web entry),
 * once per URL. The widget bundle never contains the core: by default it is the
 * package's own `entries/web.js`, beside the widget's folder (`pkg/console/` ->
 * `pkg/entries/`); hosts that serve it elsewhere set `core-url` on the element.
 */

/** The part of the package's API the console uses (the web entry's exports). */
// biome-ignore lint/suspicious/noExplicitAny: the package's own types live in pkg/, not in this bundle
export type Core = Record<string, any>;

const loads = new Map<string, Promise<Core>>();

/** The default location of the package's web entry, relative to this bundle. */
export function defaultCoreUrl(): string {
  return new URL("../entries/web.js", import.meta.url).href;
}

/** Imports the core once per URL; a failed load is forgotten so a retry can succeed. */
export function loadCore(url: string = defaultCoreUrl()): Promise<Core> {
  let p = loads.get(url);
  if (!p) {
    p = import(/* @vite-ignore */ url) as Promise<Core>;
    loads.set(url, p);
    p.catch(() => loads.delete(url));
  }
  return p;
}

/** The package's IndexedDB storage factory (`indexedDbStorage`). */
export type StorageFactory = (name?: string) => Promise<Core>;

const storages = new Map<string, Promise<StorageFactory>>();

/**
 * The package's IndexedDB storage without the Wasm core: its module
 * (`storage/indexeddb.js`, which loads no glue) beside the core's entry, so the console
 * reads its saved settings before any panel needs the core. A host whose copy of the
 * package lacks that file gets the core's own `indexedDbStorage` (the core loads then).
 */
export function loadIndexedDbStorage(coreUrl: string = defaultCoreUrl()): Promise<StorageFactory> {
  let p = storages.get(coreUrl);
  if (!p) {
    // Relative to the core's URL, itself resolved as `import()` resolves it (from here).
    const url = new URL("../storage/indexeddb.js", new URL(coreUrl, import.meta.url)).href;
    p = (import(/* @vite-ignore */ url) as Promise<Core>)
      .then((m) => m.indexedDbStorage as StorageFactory)
      .catch(async () => (await loadCore(coreUrl)).indexedDbStorage as StorageFactory);
    storages.set(coreUrl, p);
    p.catch(() => storages.delete(coreUrl));
  }
  return p;
}
