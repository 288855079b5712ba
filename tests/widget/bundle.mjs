// The one bundle of <ghl-mapping-editor> the tests and the benchmark load: esbuild, as a
// host bundles it, into target/widget-test/ghl-mapping-editor.js (served at that path).
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = fileURLToPath(new URL("../..", import.meta.url));

/** Bundles the element (minified ESM); resolves when the file is written. */
export function bundleMappingEditor() {
  return build({
    entryPoints: [`${root}js/widget/ghl-mapping-editor/define.js`],
    bundle: true,
    format: "esm",
    minify: true,
    outfile: `${root}target/widget-test/ghl-mapping-editor.js`,
    logLevel: "warning",
  });
}
