/**
 * `ghl-bridge/file-storage`: the outbox's file journal for Node, at its own subpath so
 * every TypeScript `moduleResolution` sees it (it is also exported by the Node entry).
 */
export { fileStorage } from "../storage/file.js";
