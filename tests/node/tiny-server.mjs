// A tiny HTTP server on loopback for tests that need answers the emulator does not give
// (a token echoed back, a redirect, extreme headers). `answer(req, body)` returns
// `{ status, headers, body }`; `hits` lists every request that reached it.
import { createServer } from "node:http";

export async function tinyServer(answer) {
  const hits = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      hits.push({ method: req.method, url: req.url, headers: req.headers, body });
      const a = answer(req, body);
      res.writeHead(a.status, a.headers ?? { "content-type": "application/json" });
      res.end(a.body ?? "");
    });
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    hits,
    close: () => new Promise((r) => server.close(r)),
  };
}
