// webpack 5 with no Wasm-specific configuration: `new URL("./x.wasm", import.meta.url)`
// becomes an emitted asset.
import { fileURLToPath } from "node:url";

export default {
  mode: "production",
  entry: "./main.js",
  output: {
    path: fileURLToPath(new URL("./dist-webpack", import.meta.url)),
    filename: "main.js",
    publicPath: "auto",
  },
  performance: { hints: false },
};
