import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { freePort } from "./support/redis-server";

// `npm run dev` is the README's way to run the service locally: check it works, cleans up, and fails clearly.
const appDir = join(__dirname, "..");
const tsxCli = require.resolve("tsx/cli");
const emptyPath = mkdtempSync(join(tmpdir(), "no-tools-"));
const privateTmp = mkdtempSync(join(tmpdir(), "dev-tmp-"));
afterAll(() => {
  rmSync(emptyPath, { recursive: true, force: true });
  rmSync(privateTmp, { recursive: true, force: true });
});

describe("npm run dev (scripts/dev.ts)", () => {
  it("serves the API against a throwaway redis-server and removes it, data and all, on Ctrl-C", async () => {
    const port = await freePort();
    // The dev script finds redis-server on PATH, and runs the service with this very Node.
    const child = spawn(process.execPath, [tsxCli, "scripts/dev.ts"], {
      cwd: appDir,
      env: { PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ""}`, PORT: String(port), HOST: "127.0.0.1", LOG_LEVEL: "warn" },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));

    const base = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 30_000;
    let ready = 0;
    while (ready !== 200 && Date.now() < deadline) {
      ready = await fetch(`${base}/health/ready`).then((response) => response.status, () => 0);
      if (ready !== 200) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(ready, stderr).toBe(200);
    const created = await fetch(`${base}/v1/notes`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ title: "dev", body: "local run" }) });
    expect(created.status).toBe(201);

    const dataDir = /data in (\S+), removed on exit/.exec(stderr)?.[1] ?? "";
    expect(existsSync(dataDir), stderr).toBe(true);
    child.kill("SIGINT");
    expect(await exited).toBe(0);
    expect(existsSync(dataDir)).toBe(false);
  }, 60_000);

  it("stops with one clear line, and leaves nothing behind, when redis-server is not installed", () => {
    // A private TMPDIR, so what the script leaves behind is not confused with other tests' files.
    const result = spawnSync(process.execPath, [tsxCli, "scripts/dev.ts"], { cwd: appDir, env: { PATH: emptyPath, TMPDIR: privateTmp }, encoding: "utf8", timeout: 30_000 });
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toBe("dev: redis-server is not installed: apt-get install redis-server (see README)");
    expect(readdirSync(privateTmp).filter((name) => name.startsWith("notes-redis-"))).toEqual([]);
  });
});
