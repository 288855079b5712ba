/**
 * Defines `<ghl-mapping-editor>` (once: a second import is a no-op) and re-exports its
 * class. The only global it touches is the custom element registry.
 */
import { GhlMappingEditor } from "./ghl-mapping-editor.js";

if (!customElements.get("ghl-mapping-editor")) {
  customElements.define("ghl-mapping-editor", GhlMappingEditor);
}

export { GhlMappingEditor };
