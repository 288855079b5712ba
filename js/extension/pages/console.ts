/**
 * Puts the console widget `<ghl-bridge-console>` (js/widget/ghl-bridge-console/) on the
 * options page, connected to the service worker through `extensionBackend()` (set before
 * the element is attached, so it never makes a backend of its own). The Mapping panel
 * loads the package from `core.js`, bundled beside it (no remote code).
 */
import "../../widget/ghl-bridge-console/define.js";
import { extensionBackend } from "./extension-backend.js";

export function mountConsole(host: HTMLElement): void {
  const el = document.createElement("ghl-bridge-console");
  el.backend = extensionBackend();
  el.coreUrl = chrome.runtime.getURL("core.js");
  host.replaceChildren(el);
}
