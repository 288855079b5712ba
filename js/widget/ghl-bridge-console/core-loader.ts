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
