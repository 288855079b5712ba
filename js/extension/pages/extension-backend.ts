/**
 * The console widget's backend in the extension: the widget's `remoteBackend`, each
 * method one message to the service worker (which owns the token, the outbox and the
 * pollers, `worker/console-service.ts`); a failure rejects with the interface's
 * `BackendError`. `watch` turns the worker's change notices into outbox updates.
 */
import type { BackendChange, ConsoleBackend } from "../../widget/ghl-bridge-console/backend.js";
import { backendError } from "../../widget/ghl-bridge-console/backend.js";
import { remoteBackend } from "../../widget/ghl-bridge-console/remote-backend.js";
import type { ConsoleReply, ConsoleRequest } from "../shared/protocol.js";
import { onWorkerChange } from "./ask.js";

/** The backend the options page gives `<ghl-bridge-console>`. */
export function extensionBackend(): ConsoleBackend {
  const backend = remoteBackend(
    "extension",
    async (method, args) => {
      const req: ConsoleRequest = { type: "ghl-bridge/console", method, args };
      let reply: ConsoleReply | undefined;
      try {
        reply = (await chrome.runtime.sendMessage(req)) as ConsoleReply | undefined;
      } catch (e) {
        throw backendError(
          "NETWORK_ERROR",
          `the extension's service worker did not answer: ${String(e)}`,
        );
      }
      if (!reply)
        throw backendError("NETWORK_ERROR", "the extension's service worker did not answer");
      if (!reply.ok) throw reply.error;
      return reply.value;
    },
    (listener: (change: BackendChange) => void) => {
      let live = true;
      onWorkerChange(() => {
        if (!live) return;
        backend.outboxStatus().then(
          (status) => live && listener({ kind: "outbox", status }),
          () => undefined,
        );
      });
      return () => {
        live = false;
      };
    },
  );
  return backend;
}
