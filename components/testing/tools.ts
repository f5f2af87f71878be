/**
 * The external Go tools the test suites run for real (promtool, amtool, prometheus, alertmanager, redis_exporter),
 * which `bash tools/platform-tools.sh` builds or reuses at the versions of tools/platform-tools.json:
 *
 * - `platformTool(binary)`: the binary's path, looked up in $PLATFORM_TOOLS_BIN, then in the script's cache
 *   (`${PLATFORM_TOOLS_CACHE:-~/.cache/platform-tools}/bin`), then on the PATH; undefined when it is nowhere;
 * - `describeWithTool(binary, title, fn)` and `itWithTool(binary, title, fn)`: a vitest suite or test that gets the
 *   binary's path, or, when the binary is not built, the same suite or test skipped, with one console line
 *   `skipped: <binary> is not built (run bash tools/platform-tools.sh)` per binary: never a silent skip.
 */
import { accessSync, constants, readFileSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { delimiter, dirname, join } from "node:path";

/** The one command that builds every tool (from the repository root). */
export const PLATFORM_TOOLS_COMMAND = "bash tools/platform-tools.sh";

/** Where `platformTool` looks, in order. */
export function platformToolDirs(env: NodeJS.ProcessEnv = process.env): string[] {
  const cache = env["PLATFORM_TOOLS_CACHE"] || join(homedir(), ".cache", "platform-tools");
  return [env["PLATFORM_TOOLS_BIN"], join(cache, "bin"), ...(env["PATH"] ?? "").split(delimiter)].filter((d): d is string => !!d);
}

/** The path of an executable `binary` in $PLATFORM_TOOLS_BIN, the cache's bin/ or the PATH; undefined when missing. */
export function platformTool(binary: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  for (const dir of platformToolDirs(env)) {
    const file = join(dir, binary);
    try {
      accessSync(file, constants.X_OK);
      if (statSync(file).isFile()) return file;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

/** The line a missing binary's tests print once before they are skipped. */
export function toolSkipLine(binary: string): string {
  return `skipped: ${binary} is not built (run ${PLATFORM_TOOLS_COMMAND})`;
}

const announced = new Set<string>();
function announceSkip(binary: string): void {
  if (announced.has(binary)) return;
  announced.add(binary);
  console.log(toolSkipLine(binary));
}

type Vitest = typeof import("vitest");
let vitestModule: Vitest | undefined;

/**
 * vitest, loaded on first use rather than imported: the renderer (tools/render.ts, CommonJS under tsx) imports this
 * package outside vitest, where `require("vitest")` throws. This loads vitest's ES module entry itself (require of
 * an ES module), which inside a vitest worker is the very module instance the test files import.
 */
function vitest(): Vitest {
  if (vitestModule === undefined) {
    const manifest = require.resolve("vitest/package.json");
    const entry = (JSON.parse(readFileSync(manifest, "utf8")) as { exports: { ".": { import: { default: string } } } }).exports["."].import.default;
    vitestModule = require(join(dirname(manifest), entry)) as Vitest; // eslint-disable-line @typescript-eslint/no-require-imports
  }
  return vitestModule;
}

/**
 * `describe(title, ...)` with the path of `binary`; when it is not built, the suite is skipped after one console
 * line naming it. A skipped suite's body still runs to collect its tests (with the bare binary name as the path):
 * do the work in hooks and tests, not in the body.
 */
export function describeWithTool(binary: string, title: string, fn: (path: string) => void): void {
  const { describe } = vitest();
  const path = platformTool(binary);
  if (path !== undefined) {
    describe(title, () => fn(path));
  } else {
    announceSkip(binary);
    describe.skip(title, () => fn(binary));
  }
}

/** describeWithTool for a suite that needs several binaries: skipped, with one line per missing binary, unless all are built. */
export function describeWithTools<B extends string>(binaries: readonly B[], title: string, fn: (paths: Record<B, string>) => void): void {
  const { describe } = vitest();
  const paths = Object.fromEntries(binaries.map((b) => [b, platformTool(b)])) as Record<B, string | undefined>;
  const missing = binaries.filter((b) => paths[b] === undefined);
  if (missing.length === 0) {
    describe(title, () => fn(paths as Record<B, string>));
  } else {
    for (const b of missing) announceSkip(b);
    describe.skip(title, () => fn(Object.fromEntries(binaries.map((b) => [b, paths[b] ?? b])) as Record<B, string>));
  }
}

/** `it(title, ...)` with the path of `binary`; when it is not built, the test is skipped after one console line naming it. */
export function itWithTool(binary: string, title: string, fn: (path: string) => unknown, timeout?: number): void {
  const { it } = vitest();
  const path = platformTool(binary);
  if (path !== undefined) {
    it(title, async () => {
      await fn(path);
    }, timeout);
  } else {
    announceSkip(binary);
    it.skip(title, async () => {
      await fn(binary);
    });
  }
}
