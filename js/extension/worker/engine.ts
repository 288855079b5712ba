/**
 * The delivery engine of the service worker: the package's client, flows and outbox
 * (on IndexedDB), built from the stored settings whenever the worker wakes. The outbox
 * restores itself from IndexedDB and resumes, so a worker stopped at any moment (or a
 * browser restart) loses nothing; a step that was on the wire is sent again, which
 * changes nothing (upserts match, tag writes are set operations).
 *
 * The token is read from storage by `getToken()` at each use: a new token saved in the
 * options page is picked up at once, and `resumeAuth()` continues a paused delivery.
 */
import {
  createClient,
  createFlows,
  createOutbox,
  indexedDbStorage,
  initialize,
  rulesPresets,
  type Client,
  type Flows,
  type Outbox,
} from "../../../pkg/entries/slim.js";
import type { CustomFieldDef, OutboxEvent } from "../../../pkg/wasm/types.js";
import type { Settings } from "../shared/protocol.js";
import { flowConfig } from "../../widget/ghl-bridge-console/direct-backend.js";
import { updateBadge } from "./badge.js";
import {
  addActivity,
  countDelivered,
  KEYS,
  labelFor,
  loadPaused,
  loadSettings,
  savePaused,
  secret,
} from "./store.js";

/** The IndexedDB database of the outbox. */
export const OUTBOX_DB = "ghl-bridge-outbox";

/** A running engine. */
export interface Engine {
  settings: Settings;
  /** The client options (the token through `getToken`, never the value). */
  connection: { getToken: () => Promise<string>; locationId: string; baseUrl?: string };
  client: Client;
  flows: Flows;
  outbox: Outbox;
}

/** A base URL from the settings: only the development build may point elsewhere. */
export function devUrl(url: string): string | undefined {
  const u = url.trim();
  return __GHL_BRIDGE_DEV__ && u !== "" ? u : undefined;
}

/** Why the engine is not running (set when it could not start). */
let startError: string | null = null;
let current: Promise<Engine | null> | undefined;
let notify: () => void = () => {};

/** Called after anything pages show has changed. */
export function onChange(fn: () => void): void {
  notify = fn;
}

export function engineError(): string | null {
  return startError;
}

const message = (e: unknown) =>
  e instanceof Error ? `${(e as { code?: string }).code ?? e.name}: ${e.message}` : String(e);

/** How long the location's custom fields are reused before they are read again. */
const CUSTOM_FIELDS_TTL_MS = 24 * 60 * 60 * 1000;

/**
 * The location's custom fields (the rules send them by id, as GHL takes them): read
 * once a day and kept in storage; when GHL cannot be read, the last list (or none:
 * the rules then send keys).
 */
async function customFields(
  client: Client,
  locationId: string,
): Promise<CustomFieldDef[] | undefined> {
  type Cached = { locationId: string; at: number; fields: CustomFieldDef[] };
  const cached = (await chrome.storage.local.get(KEYS.customFields))[KEYS.customFields] as
    | Cached
    | undefined;
  const mine = cached?.locationId === locationId ? cached : undefined;
  if (mine && Date.now() - mine.at < CUSTOM_FIELDS_TTL_MS) return mine.fields;
  try {
    const fields: CustomFieldDef[] = (await client.customFields()).customFields.flatMap((f) =>
      f.fieldKey
        ? [
            {
              id: f.id,
              key: f.fieldKey,
              name: f.name ?? undefined,
              dataType: f.dataType ?? undefined,
            },
          ]
        : [],
    );
    await chrome.storage.local.set({ [KEYS.customFields]: { locationId, at: Date.now(), fields } });
    return fields;
  } catch {
    return mine?.fields;
  }
}

async function start(): Promise<Engine | null> {
  const settings = await loadSettings();
  if (!settings.locationId || !(await secret("ghlToken"))) {
    startError = null;
    await updateBadge(null, null);
    return null;
  }
  await initialize();
  const getToken = () => secret("ghlToken");
  const common = {
    getToken,
    locationId: settings.locationId,
    scopes: settings.scopes,
    baseUrl: devUrl(settings.ghlBaseUrl),
  };
  const client = createClient(common);
  const presets = rulesPresets();
  // Documents saved in the console replace the presets.
  const saved = (
    (await chrome.storage.local.get(KEYS.rules))[KEYS.rules] as
      | { documents?: { wishpond?: unknown; qwilr?: unknown } }
      | undefined
  )?.documents;
  const flows = createFlows({
    client,
    locationId: settings.locationId,
    scopes: settings.scopes,
    rules: {
      wishpond: (saved?.wishpond ?? presets["wishpond-lead"]) as (typeof presets)["wishpond-lead"],
      qwilr: (saved?.qwilr ?? presets["qwilr-events"]) as (typeof presets)["qwilr-events"],
    },
    compile: { customFields: await customFields(client, settings.locationId) },
    // The console's: a tag the location lacks is created (with the scope).
    config: flowConfig(settings.scopes),
  });
  const paused = await loadPaused();
  let outbox: Outbox | undefined;
  const onEvent = (e: OutboxEvent) => {
    void handleEvent(e, () => outbox);
  };
  // A stage whose `finish` planned a next stage is not its event's delivery: the
  // last stage's is (so "delivered" is said once per event, when all of it is in GHL).
  const staged: Pick<Flows, "finish"> = {
    finish(flowPlan, responses) {
      const out = flows.finish(flowPlan, responses);
      if (out.next) continuing.add(flowPlan.plan.id);
      return out;
    },
  };
  outbox = await createOutbox({
    ...common,
    storage: await indexedDbStorage(OUTBOX_DB),
    onEvent,
    // A flow's later stages (an accumulating score reads the contact first...) are
    // planned from the delivered responses and delivered by the outbox too.
    flows: staged,
    // Paused for a refused token: nothing is sent until a new token is saved.
    autoStart: paused === null,
  });
  startError = null;
  await updateBadge(outbox.counts(), paused);
  return {
    settings,
    connection: { getToken, locationId: settings.locationId, baseUrl: common.baseUrl },
    client,
    flows,
    outbox,
  };
}

/** Stages done whose event has a next stage (see `staged` in `start`). */
const continuing = new Set<string>();

async function handleEvent(e: OutboxEvent, outbox: () => Outbox | undefined): Promise<void> {
  const counts = outbox()?.counts() ?? null;
  if (e.type === "progress") {
    if (e.kind === "done") {
      if (!continuing.delete(e.planId)) {
        await countDelivered();
        await addActivity("delivered", `${await labelFor(e.planId)} delivered to GHL`, e.planId);
      }
    } else if (e.kind === "failed")
      await addActivity(
        "failed",
        `${await labelFor(e.planId)}: attempt failed, will retry`,
        e.planId,
      );
  } else if (e.type === "deadLettered") {
    await addActivity(
      "dead",
      `${await labelFor(e.planId)} could not be delivered (${e.reason}${e.status ? ` ${e.status}` : ""}${e.message ? `: ${e.message}` : ""})`,
      e.planId,
    );
  } else if (e.type === "authPaused") {
    const paused = {
      reason: "auth" as const,
      message:
        "GHL refused the Private Integration Token (401): delivery is paused. Enter a valid token in the console; nothing is lost meanwhile.",
      at: Date.now(),
    };
    await savePaused(paused);
    await addActivity("paused", "GHL refused the token: delivery paused");
  } else if (e.type === "locationParked") {
    await addActivity(
      "failed",
      `GHL rate limit reached: delivery waits until ${new Date(e.until).toISOString()}`,
    );
  }
  await updateBadge(counts, await loadPaused());
  notify();
}

/** The engine, started on first use after the worker wakes; null when not configured. */
export function engine(): Promise<Engine | null> {
  current ??= start().catch((e) => {
    startError = message(e);
    current = undefined;
    return null;
  });
  return current;
}

/** Stops the engine (waiting for requests on the wire); the next `engine()` rebuilds it from the settings. */
export async function restartEngine(): Promise<void> {
  const running = current;
  current = undefined;
  const e = await running?.catch(() => null);
  await e?.outbox.close().catch(() => undefined);
}

/** After a new token: clears the pause and resumes delivery. */
export async function resumeAfterNewToken(): Promise<void> {
  const paused = await loadPaused();
  await savePaused(null);
  const e = await engine();
  if (!e) return;
  if (paused) {
    await addActivity("resumed", "new token saved: delivery resumed");
    e.outbox.resumeAuth();
    e.outbox.start();
  }
  await updateBadge(e.outbox.counts(), null);
}
