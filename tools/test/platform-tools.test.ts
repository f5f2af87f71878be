/**
 * tools/platform-tools.json is the one place the external Go tools' versions live: it is well-formed, the script
 * that builds them reads it (reuse, budget, links), and every built binary reports the version the table pins.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describeWithTool, itWithTool, toolSkipLine } from "@platform/components/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parse } from "yaml";

interface Tool {
  name: string;
  module: string;
  version: string;
  release: string;
  binaries: { package: string; binary: string }[];
  ldflags?: string[];
  versionOutput: string;
  stubFiles?: string[];
  wrapper?: boolean;
  builder?: string;
  pinLocalReplaces?: string;
  prepare?: string[];
  versionArgs?: string[];
  releaseNote?: string;
  note?: string;
}

const tableFile = path.resolve(__dirname, "..", "platform-tools.json");
const script = path.resolve(__dirname, "..", "platform-tools.sh");
const table = JSON.parse(fs.readFileSync(tableFile, "utf8")) as { comment: string; tools: Tool[] };
const fill = (s: string, t: Tool) => s.replaceAll("{version}", t.version).replaceAll("{release}", t.release);

describe("tools/platform-tools.json", () => {
  it("says what it is and that the image tags follow it", () => {
    expect(Object.keys(table).sort()).toEqual(["comment", "tools"]);
    expect(table.comment).toMatch(/one place the versions/);
    expect(table.comment).toMatch(/image tags/);
    expect(table.tools.length).toBeGreaterThan(0);
  });

  it.each(table.tools.map((t) => [t.name, t] as const))("%s is a well-formed row", (_, t) => {
    const known = ["name", "module", "version", "release", "binaries", "ldflags", "versionOutput", "versionArgs", "stubFiles", "wrapper", "releaseNote", "note", "builder", "pinLocalReplaces", "prepare"];
    expect(Object.keys(t).filter((k) => !known.includes(k))).toEqual([]);
    expect(t.name).toMatch(/^[a-z0-9_-]+$/);
    expect(t.module).toMatch(/^[a-z0-9.-]+\.[a-z]+(\/[A-Za-z0-9._~-]+)+$/);
    // A release, or a pseudo-version that a releaseNote explains (the only form the proxy serves of some modules).
    expect(t.version).toMatch(t.releaseNote ? /^v\d+\.\d+\.\d+(-\d{14}-[0-9a-f]{12})?$/ : /^v\d+\.\d+\.\d+$/);
    expect(t.release).toMatch(/^\d+\.\d+\.\d+$/);
    // The module version is the release, or Prometheus' v0.<major><minor, 2 digits>.<patch> for release <major>.<minor>.<patch>.
    const [major, minor, patch] = t.release.split(".");
    // Or anything a releaseNote explains (Jaeger's module has only the v1 tags of its v2 releases).
    if (!t.releaseNote) expect([`v${t.release}`, `v0.${major}${minor?.padStart(2, "0")}.${patch}`]).toContain(t.version);
    expect(t.binaries.length).toBeGreaterThan(0);
    for (const b of t.binaries) {
      expect(b.package === t.module || b.package.startsWith(`${t.module}/`), b.package).toBe(true);
      if (t.builder) {
        // The collector builder's row: the module is the builder, the binary the collector its manifest names,
        // whose components are all at the row's release.
        const manifest = parse(fs.readFileSync(path.resolve(__dirname, "..", "..", t.builder), "utf8")) as { dist: { name: string; version: string } };
        expect(b.binary).toBe(manifest.dist.name);
        expect(manifest.dist.version).toBe(t.release);
        expect(t.module).toBe("go.opentelemetry.io/collector/cmd/builder");
      } else {
        // go install names a binary after the package's last element, or the one before a /vN suffix.
        expect(b.binary).toBe(b.package.replace(/\/v\d+$/, "").split("/").pop());
      }
    }
    for (const flag of t.ldflags ?? []) {
      expect(flag).toMatch(/^-X [A-Za-z0-9_./-]+\.[A-Za-z_][A-Za-z0-9_]*=\S+$/);
      expect(flag.replaceAll("{version}", "").replaceAll("{release}", "")).not.toMatch(/[{}]/);
    }
    expect(t.versionOutput).toContain(t.versionArgs?.[0] === "@buildinfo" ? "{version}" : "{release}");
    for (const f of t.stubFiles ?? []) expect(f).toMatch(/^(?!\/)(?!.*\.\.)[A-Za-z0-9_./-]+$/);
    if ("wrapper" in t) expect(t.wrapper).toBe(true);
    if (t.pinLocalReplaces !== undefined) expect(t.pinLocalReplaces).toMatch(/^v\d+\.\d+\.\d+$/);
    // A prepare script is a node script of this repository, with its arguments.
    if (t.prepare !== undefined) expect(fs.existsSync(path.resolve(__dirname, "..", "..", t.prepare[0] ?? ""))).toBe(true);
  });

  it("names each tool and each binary once", () => {
    const names = table.tools.map((t) => t.name);
    const binaries = table.tools.flatMap((t) => t.binaries.map((b) => b.binary));
    expect(new Set(names).size).toBe(names.length);
    expect(new Set(binaries).size).toBe(binaries.length);
  });
});

describe("tools/platform-tools.sh, without building", () => {
  let cache: string;
  beforeEach(() => {
    cache = fs.mkdtempSync(path.join(os.tmpdir(), "platform-tools-"));
  });
  afterEach(() => fs.rmSync(cache, { recursive: true, force: true }));

  const run = (...args: string[]) => {
    const r = spawnSync("bash", [script, ...args], {
      cwd: os.tmpdir(), // works from any directory
      encoding: "utf8",
      env: { ...process.env, PLATFORM_TOOLS_CACHE: cache, PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env["PATH"] ?? ""}` },
    });
    return { status: r.status, lines: r.stdout.trim().split("\n"), stderr: r.stderr };
  };
  const fakeTool = (t: Tool, release: string) => {
    const bin = path.join(cache, `${t.name}-${t.version}`, "bin");
    fs.mkdirSync(bin, { recursive: true });
    for (const b of t.binaries) {
      fs.writeFileSync(path.join(bin, b.binary), `#!/bin/sh\necho '${fill(t.versionOutput, { ...t, release })}'\n`, { mode: 0o755 });
    }
  };

  it("refuses a tool the table does not have", () => {
    const r = run("--only", "no-such-tool");
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("no tool no-such-tool in the table");
  });

  it("starts no build once the budget is spent: one line per tool, and exit status 1", () => {
    const r = run("--budget-seconds", "0");
    expect(r.status).toBe(1);
    expect(r.lines.map((l) => l.replace(/, \d+ s:/, ", N s:"))).toEqual(
      table.tools.map((t) => `platform-tools: ${t.name} ${t.version} (${t.binaries.map((b) => b.binary).join(", ")}): NOT BUILT, N s: the budget of 0 s was spent before it could start`),
    );
  });

  it("reuses a cached tool that reports the pinned version and links its binaries; drops the links when it does not", () => {
    const t = table.tools[0] as Tool;
    fakeTool(t, t.release);
    let r = run("--only", t.name, "--budget-seconds", "0");
    expect(r.status).toBe(0);
    expect(r.lines).toEqual([expect.stringMatching(new RegExp(`^platform-tools: ${t.name} ${t.version} \\(.*\\): reused, \\d+ s$`))]);
    for (const b of t.binaries) expect(fs.readlinkSync(path.join(cache, "bin", b.binary))).toBe(`../${t.name}-${t.version}/bin/${b.binary}`);

    fakeTool(t, "0.0.1");
    r = run("--only", t.name, "--budget-seconds", "0");
    expect(r.status).toBe(1);
    expect(r.lines).toEqual([expect.stringContaining("NOT BUILT")]);
    for (const b of t.binaries) expect(fs.existsSync(path.join(cache, "bin", b.binary))).toBe(false);
  });

  it("reuses a collector built from the builder's manifest only while the cached copy of the manifest is the current one", () => {
    const t = table.tools.find((x) => x.builder) as Tool & { builder: string };
    const manifest = fs.readFileSync(path.resolve(__dirname, "..", "..", t.builder), "utf8");
    fakeTool(t, t.release);
    fs.writeFileSync(path.join(cache, `${t.name}-${t.version}`, "builder-config.yaml"), manifest);
    expect(run("--only", t.name, "--budget-seconds", "0").lines).toEqual([expect.stringContaining(": reused,")]);
    fs.writeFileSync(path.join(cache, `${t.name}-${t.version}`, "builder-config.yaml"), `${manifest}\n# another component list\n`);
    expect(run("--only", t.name, "--budget-seconds", "0").lines).toEqual([expect.stringContaining("NOT BUILT")]);
  });

  it("prints the skip line the helper uses", () => {
    expect(toolSkipLine("promtool")).toBe("skipped: promtool is not built (run bash tools/platform-tools.sh)");
  });
});

describe("the built tools report the versions the table pins", () => {
  for (const t of table.tools) {
    for (const b of t.binaries) {
      const expected = fill(t.versionOutput, t);
      const args = t.versionArgs ?? ["--version"];
      itWithTool(b.binary, `${b.binary} ${args.join(" ")} says "${expected}"`, (binary) => {
        // @buildinfo: the binary has no version flag; its build information records the version ldflags.
        const r = args[0] === "@buildinfo" ? spawnSync("go", ["version", "-m", binary], { encoding: "utf8", timeout: 30_000 }) : spawnSync(binary, args, { encoding: "utf8", timeout: 30_000 });
        expect(r.status).toBe(0);
        expect(`${r.stdout}${r.stderr}`).toContain(expected);
      });
    }
  }
});

describeWithTool("promtool", "promtool, through describeWithTool", (promtool) => {
  it("accepts a valid Prometheus config and rejects a broken one", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "promtool-"));
    try {
      fs.writeFileSync(path.join(dir, "good.yml"), "global:\n  scrape_interval: 15s\n");
      fs.writeFileSync(path.join(dir, "bad.yml"), "global:\n  scrape_interval: fifteen\n");
      const check = (file: string) => spawnSync(promtool, ["check", "config", path.join(dir, file)], { encoding: "utf8", timeout: 30_000 });
      expect(check("good.yml").status).toBe(0);
      expect(check("bad.yml").status).not.toBe(0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
