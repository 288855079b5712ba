// A request slower than `server.requestTimeoutMs` (its body never finishes) is answered
// 408 with the JSON error `HTTP_TIMEOUT` and nothing is stored; once its client has gone
// it is no longer in flight, so a graceful stop does not wait for it.
import assert from "node:assert/strict";
import { connect } from "node:net";
import { test } from "node:test";
import {
  createTokenManager,
  createVault,
  parseVaultKey,
  startServer,
} from "../../pkg/runner/index.js";
import { capturedLogger, runnerConfig } from "./runner-fixtures.mjs";
import { memoryRunnerStore } from "./runner-memory-store.mjs";

test("a request whose body does not arrive in time is 408 HTTP_TIMEOUT, JSON, nothing stored", {
  timeout: 60_000,
}, async () => {
  const made = runnerConfig({
    patch: (doc) => {
      doc.server.requestTimeoutMs = 300;
    },
  });
  const store = memoryRunnerStore();
  const { log } = capturedLogger();
  const tokens = createTokenManager({
    config: made.config,
    store,
    vault: createVault(parseVaultKey(made.env.TEST_VAULT_KEY, "k")),
    log,
  });
  const server = await startServer({ config: made.config, store, tokens, log });
  try {
    const answer = await new Promise((resolve, reject) => {
      const socket = connect(server.port, "127.0.0.1", () => {
        // Says 100 bytes, sends 2, then waits.
        socket.write(
          `POST /hooks/qwilr/${made.qwilrSecret} HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{"`,
        );
      });
      let text = "";
      socket.on("data", (c) => {
        text += c;
        if (text.includes("\r\n\r\n") && text.trimEnd().endsWith("}")) {
          socket.destroy();
          resolve(text);
        }
      });
      socket.on("error", reject);
      socket.on("close", () => resolve(text));
    });
    const [head, body] = answer.split("\r\n\r\n");
    assert.match(head, /^HTTP\/1\.1 408 /);
    assert.match(head, /content-type: application\/json/i);
    const json = JSON.parse(body.slice(body.indexOf("{")));
    assert.equal(json.error.code, "HTTP_TIMEOUT");
    assert.match(json.error.message, /nothing is acknowledged/);
    assert.equal(store.intake.size, 0);
    const t0 = Date.now();
    await server.close();
    assert.ok(Date.now() - t0 < 2_000, `the stop waited ${Date.now() - t0} ms for a gone request`);
  } finally {
    await server.close();
  }
});
