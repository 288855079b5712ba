/**
 * Where the options page puts the console widget `<ghl-bridge-console>` (built in
 * `js/widget/ghl-bridge-console/`), connected to the service worker through
 * `ExtensionBackend`. Until the widget is part of the build, a short note stands in.
 */
export function mountConsole(host: HTMLElement): void {
  const note = document.createElement("p");
  note.className = "muted";
  note.textContent = "The console widget is not part of this build yet: use the settings below.";
  host.replaceChildren(note);
}
