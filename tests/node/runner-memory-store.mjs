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
  let seq = 0;
  const s = {
    kind: "embedded",
    failing: false,
    closed: false,
    calls: [],
    intake,
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
      return [...intake.values()].slice(0, limit);
    },
    async completeIntake(ids) {
      await gate("completeIntake");
      for (const id of ids) intake.delete(id);
    },
    outboxStorage() {
      throw new Error("not in the memory test store");
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
