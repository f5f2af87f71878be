import { connect } from "node:net";
import { beforeAll, describe, expect, it } from "vitest";
import { eventually, sleep } from "./support/eventually";
import { LogCapture } from "./support/log-capture";
import { appWithRedis } from "./support/app-fixture";

let port: number;
const logs = new LogCapture();
const fixture = appWithRedis({ LOG_LEVEL: "info", RATE_LIMIT_MAX: "100000" }, logs);

beforeAll(async () => {
  port = Number(new URL(await fixture.app.listen({ port: 0, host: "127.0.0.1" })).port);
});

/** Sends raw HTTP and then hangs up without waiting for the answer. */
async function sendAndHangUp(request: string, hangUpAfterMs: number): Promise<void> {
  const socket = connect(port, "127.0.0.1");
  await new Promise((resolve) => socket.once("connect", resolve));
  socket.write(request);
  await sleep(hangUpAfterMs);
  socket.destroy();
}

const metricsText = async () => (await fixture.app.inject({ url: "/metrics" })).body;

describe("the request body limit", () => {
  // 10 000 "你" (3 bytes each in UTF-8), a 200-character title and 20 tags of 50: valid by the schema.
  const note = { title: "题".repeat(200), body: "你".repeat(10_000), tags: Array.from({ length: 20 }, (_, index) => `${index}`.padEnd(50, "标")) };

  it("admits the largest note the schema allows, sent as UTF-8", async () => {
    const payload = JSON.stringify(note);
    expect(Buffer.byteLength(payload)).toBeGreaterThan(33_000);
    const response = await fixture.app.inject({ method: "POST", url: "/v1/notes", headers: { "content-type": "application/json" }, payload });
    expect(response.statusCode, response.body).toBe(201);
    expect(response.json()).toMatchObject({ title: note.title, body: note.body, tags: note.tags });
  });

  it("admits it with every non-ASCII character escaped (as Python's json.dumps sends it), even astral ones", async () => {
    const escape = (text: string) => text.replace(/[^\x20-\x7e]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`);
    const astral = { ...note, body: "😀".repeat(10_000) };
    for (const value of [note, astral]) {
      const payload = escape(JSON.stringify(value));
      const response = await fixture.app.inject({ method: "POST", url: "/v1/notes", headers: { "content-type": "application/json" }, payload });
      expect(response.statusCode, `${Buffer.byteLength(payload)} bytes`).toBe(201);
      expect(response.json().body).toBe(value.body);
    }
  });
});

describe("x-request-id", () => {
  it.each([["req-123"], ["trace.1:span_2-x"], ["a".repeat(128)]])("echoes and logs a safe id (%s)", async (id) => {
    const response = await fixture.app.inject({ url: "/health/live", headers: { "x-request-id": id } });
    expect(response.headers["x-request-id"]).toBe(id);
  });

  it.each([
    ["12 KB long", "x".repeat(12 * 1024)],
    ["129 characters", "a".repeat(129)],
    ["spaces and quotes", 'evil" id'],
    ["a log-forging attempt", "abc\\n{\"level\":\"fatal\"}"],
  ])("replaces one that is %s with a generated id, in the response and the log", async (_case, id) => {
    const response = await fixture.app.inject({ url: "/health/live", headers: { "x-request-id": id } });
    const echoed = String(response.headers["x-request-id"]);
    expect(echoed).toMatch(/^[0-9a-f-]{36}$/);
    const line = logs.lines.findLast((entry) => entry.msg === "request completed");
    expect(line?.request_id).toBe(echoed);
  });
});

describe("aborted requests", () => {
  it("are counted, logged and leave http_requests_in_flight where it was, when the client leaves mid-body", async () => {
    await sendAndHangUp('POST /v1/notes HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"title":', 200);
    await eventually(async () => expect(await metricsText()).toMatch(/http_requests_aborted_total\{route="\/v1\/notes"\} 1\n/));
    // The scrape itself is the one request in flight.
    expect(await metricsText()).toMatch(/\nhttp_requests_in_flight 1\n/);
    expect(logs.lines.find((line) => line.msg === "request aborted")).toMatchObject({ level: "info", method: "POST", route: "/v1/notes", path: "/v1/notes" });
  });

  it("are counted once when the client leaves while the handler waits on Redis, and the late answer is not counted again", async () => {
    const id = (await fixture.app.inject({ method: "POST", url: "/v1/notes", payload: { title: "t", body: "b" } })).json().id as string;
    const admin = fixture.redis.client();
    await admin.call("CLIENT", "PAUSE", "1200", "ALL");
    await sendAndHangUp(`GET /v1/notes/${id} HTTP/1.1\r\nHost: x\r\n\r\n`, 200);
    await sleep(1500); // the handler has answered into the closed connection by now
    admin.disconnect();
    const text = await metricsText();
    expect(text).toMatch(/http_requests_aborted_total\{route="\/v1\/notes\/:id"\} 1\n/);
    expect(text).toMatch(/\nhttp_requests_in_flight 1\n/);
    expect(text).not.toMatch(/http_requests_total\{method="GET",route="\/v1\/notes\/:id"/);
  });
});
