// The intake's informational writes (the console's "last event" of a Qwilr intake) are
// written latest-wins in the background: a burst of events is at most two writes, the
// last one with the latest value, and a failed write does not stop the later ones.
import assert from "node:assert/strict";
import { test } from "node:test";
import { latestWriter } from "../../pkg/runner/server.js";

test("a burst while a write is under way becomes one write of the latest value", async () => {
  const written = [];
  let release;
  const gate = new Promise((r) => {
    release = r;
  });
  const w = latestWriter(async (v) => {
    written.push(v);
    if (v === 1) await gate;
  });
  w.set(1);
  for (let v = 2; v <= 100; v++) w.set(v);
  release();
  await w.settled();
  assert.deepEqual(written, [1, 100]);
  w.set(101);
  await w.settled();
  assert.deepEqual(written, [1, 100, 101]);
});

test("a failed write is ignored and the next value is still written", async () => {
  const written = [];
  const w = latestWriter(async (v) => {
    written.push(v);
    if (v === "bad") throw new Error("store down");
  });
  w.set("bad");
  w.set("good");
  await w.settled();
  assert.deepEqual(written, ["bad", "good"]);
});
