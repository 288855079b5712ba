// Vite 6: its default target (es2020) has no top-level await, which the default entry
// uses; this is the one line the README tells Vite 6 users to set.
export default { build: { target: "es2022", outDir: "dist-vite6" }, logLevel: "warn" };
