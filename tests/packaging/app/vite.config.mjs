// Vite 7/8: no configuration beyond the output folder.
export default { build: { outDir: "dist-vite" }, logLevel: "warn" };
