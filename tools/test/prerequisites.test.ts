/** `npm test` stops at once, with one line per missing program, when a program the suites need is not installed. */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";

const script = path.resolve(__dirname, "..", "prerequisites.mjs");

describe("tools/prerequisites.mjs", () => {
  it("passes when every program is on the PATH", () => {
    const r = spawnSync(process.execPath, [script], { encoding: "utf8" });
    expect(r.status).toBe(0);
    expect(r.stderr).toBe("");
  });

  it("names each missing program and how to install it, one line each, and fails", () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), "no-programs-"));
    try {
      const r = spawnSync(process.execPath, [script], { encoding: "utf8", env: { PATH: empty } });
      expect(r.status).toBe(1);
      expect(r.stderr.trim().split("\n")).toEqual([
        expect.stringMatching(/^npm test needs redis-server, which is not on the PATH: apt-get install redis-server/),
        expect.stringMatching(/^npm test needs redis-cli, which is not on the PATH: apt-get install redis-tools/),
      ]);
    } finally {
      fs.rmSync(empty, { recursive: true, force: true });
    }
  });
});
