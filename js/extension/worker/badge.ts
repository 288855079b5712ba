/**
 * The toolbar badge: the number of events waiting for delivery, and after a slash the
 * number that failed for good (`3/1`); red when something failed or delivery is
 * paused, blank when nothing is waiting. The tooltip says the same in words.
 */
import type { Paused, Status } from "../shared/protocol.js";

/** The badge text and tooltip for these counts (one place: the side panel shows the same numbers). */
export function badgeFor(
  counts: Status["counts"],
  paused: Paused | null,
): { text: string; title: string; color: string } {
  if (!counts)
    return { text: "", title: "ghl-bridge: not connected (open the console)", color: "#64748b" };
  const { pending, dead } = counts;
  const text = dead > 0 ? `${pending}/${dead}` : pending > 0 ? `${pending}` : paused ? "!" : "";
  const words = [`${pending} pending`, `${dead} failed`];
  if (paused) words.push("delivery paused: the token was refused");
  return {
    text,
    title: `ghl-bridge: ${words.join(", ")}`,
    color: dead > 0 || paused ? "#b91c1c" : "#1d4ed8",
  };
}

/** Sets the badge (and tooltip) for these counts. */
export async function updateBadge(counts: Status["counts"], paused: Paused | null): Promise<void> {
  const b = badgeFor(counts, paused);
  await chrome.action.setBadgeText({ text: b.text });
  await chrome.action.setTitle({ title: b.title });
  await chrome.action.setBadgeBackgroundColor({ color: b.color });
}
