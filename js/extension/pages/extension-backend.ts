/**
 * `ExtensionBackend`: the console widget's backend in the extension. Each method of
 * the `ConsoleBackend` interface is one message to the service worker (which owns the
 * token, the outbox and the pollers) and resolves to the same JSON; a failure rejects
 * with the interface's `BackendError` object. `watch` turns the worker's change
 * notices into outbox updates.
 */
import type {
  ActivityEntry,
  ActivityFilter,
  BackendChange,
  ConnectInput,
  ConnectionState,
  ConnectionTest,
  ConsoleBackend,
  CustomField,
  DeadLetter,
  DryRunResult,
  Mode,
  ModeState,
  OutboxStatus,
  ReportPreview,
  ReportSent,
  RulesState,
  SampleEvent,
  Source,
  SourcesPatch,
  SourcesState,
  StatisticsState,
  TagsState,
  QwilrSubscriptionInfo,
  ReportTarget,
} from "../../widget/ghl-bridge-console/backend.js";
import type { ConsoleReply, ConsoleRequest } from "../shared/protocol.js";
import { onWorkerChange } from "./ask.js";

export class ExtensionBackend implements ConsoleBackend {
  readonly kind = "extension" as const;

  async #call<T>(method: string, ...args: unknown[]): Promise<T> {
    const req: ConsoleRequest = { type: "ghl-bridge/console", method, args };
    let reply: ConsoleReply | undefined;
    try {
      reply = (await chrome.runtime.sendMessage(req)) as ConsoleReply | undefined;
    } catch (e) {
      throw {
        code: "NETWORK_ERROR",
        message: `the extension's service worker did not answer: ${String(e)}`,
      };
    }
    if (!reply)
      throw { code: "NETWORK_ERROR", message: "the extension's service worker did not answer" };
    if (!reply.ok) throw reply.error;
    return reply.value as T;
  }

  connection = () => this.#call<ConnectionState>("connection");
  connect = (input: ConnectInput) => this.#call<ConnectionState>("connect", input);
  testConnection = () => this.#call<ConnectionTest>("testConnection");
  disconnect = () => this.#call<ConnectionState>("disconnect");
  sources = () => this.#call<SourcesState>("sources");
  saveSources = (patch: SourcesPatch) => this.#call<SourcesState>("saveSources", patch);
  qwilrSubscriptions = () => this.#call<QwilrSubscriptionInfo[]>("qwilrSubscriptions");
  subscribeQwilr = (events: string[]) => this.#call<SourcesState>("subscribeQwilr", events);
  unsubscribeQwilr = (id: string) => this.#call<SourcesState>("unsubscribeQwilr", id);
  rules = () => this.#call<RulesState>("rules");
  saveRules = (source: Source, document: unknown) =>
    this.#call<RulesState>("saveRules", source, document);
  samples = (source?: Source) => this.#call<SampleEvent[]>("samples", source);
  customFields = () => this.#call<CustomField[]>("customFields");
  dryRun = (event: SampleEvent["event"]) => this.#call<DryRunResult>("dryRun", event);
  mode = () => this.#call<ModeState>("mode");
  setMode = (mode: Mode, options?: { confirm?: boolean }) =>
    this.#call<ModeState>("setMode", mode, options);
  deliver = (event: SampleEvent["event"]) =>
    this.#call<{ planId: string; queued: boolean; dryRun: DryRunResult | null }>("deliver", event);
  outboxStatus = () => this.#call<OutboxStatus>("outboxStatus");
  activity = (filter?: ActivityFilter) => this.#call<ActivityEntry[]>("activity", filter);
  deadLetters = () => this.#call<DeadLetter[]>("deadLetters");
  retry = (planId: string) => this.#call<OutboxStatus>("retry", planId);
  retryAll = () => this.#call<{ retried: number; status: OutboxStatus }>("retryAll");
  tags = () => this.#call<TagsState>("tags");
  fixTag = (findingId: string) => this.#call<TagsState>("fixTag", findingId);
  statistics = () => this.#call<StatisticsState>("statistics");
  reportPreview = () => this.#call<ReportPreview>("reportPreview");
  sendReportNow = (target?: ReportTarget) => this.#call<ReportSent>("sendReportNow", target);

  watch(listener: (change: BackendChange) => void): () => void {
    let live = true;
    onWorkerChange(() => {
      if (!live) return;
      this.outboxStatus().then(
        (status) => live && listener({ kind: "outbox", status }),
        () => undefined,
      );
    });
    return () => {
      live = false;
    };
  }
}
