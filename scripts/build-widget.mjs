// Builds the console widget into <pkg dir>/console/: `<ghl-bridge-console>` and its lazy
// chunks (the mapping editor), bundled with Lit by esbuild, minified. The Wasm core is
// not in it: the element imports the package's own `entries/web.js` when a panel needs
// it. Declarations come from tsc (which also type-checks the widget). Prints the gzip
// size of the widget's JS and fails above the budget (60 KB gzip).
// Usage: node scripts/build-widget.mjs <pkg dir>
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";

const root = fileURLToPath(new URL("..", import.meta.url));
const out = join(process.argv[2] ?? "pkg", "console");
const widget = join(root, "js/widget");
const BUDGET = 60 * 1000;

// The mapping editor is another element (js/widget/ghl-mapping-editor/); until it is in
// the tree, its lazy import resolves to an empty module and the Mapping tab says so.
const editorMissing = {
  name: "editor-missing",
  setup(b) {
    b.onResolve({ filter: /ghl-mapping-editor\/define\.js$/ }, (args) => {
      const dir = join(args.resolveDir, "../ghl-mapping-editor");
      return existsSync(join(dir, "define.ts")) || existsSync(join(dir, "define.js"))
        ? undefined
        : { path: "ghl-mapping-editor-missing", namespace: "missing" };
    });
    b.onLoad({ filter: /.*/, namespace: "missing" }, () => ({
      contents: "export {};",
      loader: "js",
    }));
  },
};

// Lit records its versions on globalThis (`litHtmlVersions`...) and keeps its decorator
// metadata in a global (`litPropertyMetadata`, with a `Symbol.metadata` polyfill); the
// element adds no globals and uses no decorators, so the records are left out and the
// metadata map is the module's own.
const noLitGlobals = {
  name: "no-lit-globals",
  setup(b) {
    const versions =
      /\(\w+\.(litHtmlVersions|litElementVersions|reactiveElementVersions)\?\?=\[\]\)\.push\("[^"]*"\)/g;
    b.onLoad(
      { filter: /node_modules[\\/](lit-html|lit-element|@lit[\\/]reactive-element)[\\/].*\.js$/ },
      (args) => {
        let source = readFileSync(args.path, "utf8").replace(versions, "void 0");
        const metadata =
          /Symbol\.metadata\?\?=Symbol\("metadata"\),\w+\.litPropertyMetadata\?\?=new WeakMap/;
        if (metadata.test(source))
          source = `var litPropertyMetadata=new WeakMap;${source.replace(metadata, "void 0")}`;
        return { contents: source, loader: "js" };
      },
    );
  },
};

await build({
  entryPoints: { "ghl-bridge-console": join(widget, "ghl-bridge-console/define.ts") },
  outdir: out,
  bundle: true,
  splitting: true,
  format: "esm",
  target: "es2022",
  minify: true,
  legalComments: "none",
  chunkNames: "chunks/[name]-[hash]",
  tsconfig: join(widget, "tsconfig.json"),
  plugins: [editorMissing, noLitGlobals],
  logLevel: "warning",
});
// The manifest of the element (attributes, properties, events, parts): the package's
// `customElements` field points at it.
copyFileSync(
  join(widget, "ghl-bridge-console/custom-elements.json"),
  join(out, "custom-elements.json"),
);
execFileSync("npx", ["--no-install", "tsc", "-p", join(widget, "tsconfig.json"), "--outDir", out], {
  cwd: root,
  stdio: "inherit",
});

const files = [];
const walk = (d) => {
  for (const f of readdirSync(d)) {
    const p = join(d, f);
    if (statSync(p).isDirectory()) walk(p);
    else if (p.endsWith(".js")) files.push(p);
  }
};
walk(out);
let total = 0;
console.log("console widget (JS)          raw      gzip");
for (const f of files.sort()) {
  const raw = readFileSync(f);
  const gz = gzipSync(raw, { level: 9 }).length;
  total += gz;
  console.log(
    `  ${relative(out, f).padEnd(26)} ${String(raw.length).padStart(7)} ${String(gz).padStart(9)}`,
  );
}
if (
  files.some((f) =>
    /(litHtml|litElement|reactiveElement)Versions|litPropertyMetadata\?\?=|Symbol\.metadata\?\?=/.test(
      readFileSync(f, "utf8"),
    ),
  )
) {
  console.error("console widget: Lit's globals are still in the bundle");
  process.exit(1);
}
console.log(`  total gzip ${total} bytes (budget ${BUDGET}; the Wasm core is loaded separately)`);
if (total > BUDGET) {
  console.error(`console widget: ${total} bytes gzip is over the ${BUDGET} budget`);
  process.exit(1);
}
