// An in-memory RunnerStore for the runner's HTTP, OAuth and schedule tests (not shipped):
// the interface of js/src/runner/store/types.ts, with `failing = true` to act as an
// unreachable store (every call rejects with STORE_UNAVAILABLE), and a `calls` log.
// Several "processes" share one instance to test cross-process behaviour.
import { GhlBridgeError } from "../../pkg/entries/node.js";

export function memoryRunnerStore() {
  const intake = new Map(); // id -> item
  const dedupe = new Set();
  const leases = new Map(); // name -> {holder, until}
  const values = new Map();
  const secrets = new Map(); // name -> {value, version}
  const periods = new Set();
  const dead = new Map(); // id -> item with its reason
  const outboxes = {}; // location -> Map(key -> record)
  const retired = {}; // location -> {records, reason}
  let seq = 0;
  const s = {
    kind: "embedded",
    failing: false,
    closed: false,
    calls: [],
    intake,
    dead,
    secrets,
    values,
  };
  const gate = async (name) => {
    s.calls.push(name);
    // A real store answers later than now: interleavings like two workers are real.
    await new Promise((r) => setImmediate(r));
    if (s.failing)
      throw new GhlBridgeError("STORE_UNAVAILABLE", "the store cannot be reached (test)", {
        status: 503,
      });
  };
  Object.assign(s, {
    async migrate() {
      await gate("migrate");
      return [];
    },
    async ping() {
      await gate("ping");
    },
    async close() {
      s.closed = true;
    },
    async accept(item) {
      await gate("accept");
      const k = `${item.source}\u0000${item.dedupeKey}`;
      if (dedupe.has(k)) return "duplicate";
      dedupe.add(k);
      seq += 1;
      intake.set(String(seq), { ...structuredClone(item), id: String(seq), attempts: 0 });
      return "accepted";
    },
    async claimIntake(_worker, limit) {
      await gate("claimIntake");
      const now = Date.now();
      return [...intake.values()].filter((i) => !(i.notBefore > now)).slice(0, limit);
    },
    async completeIntake(ids) {
      await gate("completeIntake");
      for (const id of ids) intake.delete(id);
    },
    outboxStorage(location) {
      if (!outboxes[location]) outboxes[location] = new Map();
      const records = outboxes[location];
      return {
        async load() {
          await gate("outbox.load");
          return [...records].map(([key, record]) => ({ key, record: structuredClone(record) }));
        },
        async apply(ops) {
          await gate("outbox.apply");
          for (const o of ops)
            if (o.op === "put") records.set(o.key, structuredClone(o.record));
            else records.delete(o.key);
        },
        async close() {},
      };
    },
    async retryIntake(id, delayMs) {
      await gate("retryIntake");
      const i = intake.get(id);
      if (i) i.notBefore = Date.now() + delayMs;
    },
    async deadLetterIntake(ids, reason) {
      await gate("deadLetterIntake");
      for (const id of ids) {
        const i = intake.get(id);
        if (i) dead.set(id, { ...i, reason });
        intake.delete(id);
      }
    },
    async deadLetterConnection(connection, reason) {
      await gate("deadLetterConnection");
      let n = 0;
      for (const [id, i] of intake)
        if (i.connection === connection) {
          dead.set(id, { ...i, reason });
          intake.delete(id);
          n += 1;
        }
      return n;
    },
    async deadIntake() {
      await gate("deadIntake");
      return [...dead.values()];
    },
    async retireOutbox(location, reason) {
      await gate("retireOutbox");
      const records = outboxes[location] ?? new Map();
      delete outboxes[location];
      retired[location] = { records, reason };
      return records.size;
    },
    async restoreRetiredOutbox(location) {
      await gate("restoreRetiredOutbox");
      const r = retired[location];
      delete retired[location];
      if (!r) return 0;
      outboxes[location] ??= new Map();
      let n = 0;
      for (const [k, v] of r.records)
        if (!outboxes[location].has(k)) {
          outboxes[location].set(k, v);
          n += 1;
        }
      return n;
    },
    async retiredOutbox(location) {
      await gate("retiredOutbox");
      const r = retired[location];
      return r ? [...r.records.keys()].map((key) => ({ key, state: null, reason: r.reason })) : [];
    },
    async acquireLease(name, holder, ttlMs) {
      await gate("acquireLease");
      const l = leases.get(name);
      const now = Date.now();
      if (l && l.holder !== holder && l.until > now) return false;
      leases.set(name, { holder, until: now + ttlMs });
      return true;
    },
    async releaseLease(name, holder) {
      await gate("releaseLease");
      if (leases.get(name)?.holder === holder) leases.delete(name);
    },
    async getValue(name) {
      await gate("getValue");
      return values.has(name) ? structuredClone(values.get(name)) : undefined;
    },
    async setValue(name, value) {
      await gate("setValue");
      values.set(name, structuredClone(value));
    },
    async deleteValue(name) {
      await gate("deleteValue");
      values.delete(name);
    },
    async getSecret(name) {
      await gate("getSecret");
      const x = secrets.get(name);
      return x ? { ...x } : undefined;
    },
    async casSecret(name, expectedVersion, value) {
      await gate("casSecret");
      const cur = secrets.get(name)?.version ?? 0;
      if (cur !== expectedVersion) return false;
      secrets.set(name, { value, version: cur + 1 });
      return true;
    },
    async deleteSecret(name) {
      await gate("deleteSecret");
      secrets.delete(name);
    },
    async claimPeriod(schedule, period) {
      await gate("claimPeriod");
      const k = `${schedule}\u0000${period}`;
      if (periods.has(k)) return false;
      periods.add(k);
      return true;
    },
    async counts() {
      await gate("counts");
      const pendingIntake = {};
      for (const i of intake.values())
        pendingIntake[i.connection] = (pendingIntake[i.connection] ?? 0) + 1;
      return { pendingIntake, outbox: {} };
    },
  });
  return s;
}
