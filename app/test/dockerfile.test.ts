import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { APP_DIR as appDir, REPO_ROOT as repoRoot, readDockerfile } from "./support/dockerfile";

// The image cannot be built here (no Docker engine), so check what the Dockerfile relies on.
const { instructions, stages, runtimeStage: finalStage, entry } = readDockerfile();
const dockerignore = readFileSync(join(repoRoot, ".dockerignore"), "utf8").split("\n").map((line) => line.trim());

describe("app/Dockerfile", () => {
  it("is multi-stage with a distroless runtime on the same Node major as the tests", () => {
    expect(stages).toHaveLength(2);
    expect(stages[0]).toMatch(/^FROM node:(\d+)-bookworm-slim AS build$/);
    const buildMajor = /node:(\d+)/.exec(stages[0] ?? "")?.[1];
    const runtimeMajor = /nodejs(\d+)-debian/.exec(stages[1] ?? "")?.[1];
    expect(stages[1]).toMatch(/^FROM gcr\.io\/distroless\/nodejs\d+-debian12:nonroot$/);
    expect(runtimeMajor).toBe(buildMajor);
    expect(process.versions.node.split(".")[0]).toBe(buildMajor);
  });

  it("runs as a numeric non-root user with production dependencies only", () => {
    expect(finalStage).toContain("USER 65532:65532");
    expect(instructions.join("\n")).toMatch(/npm ci --workspace app --include-workspace-root=false --omit=dev/);
    expect(finalStage.filter((line) => line.startsWith("RUN "))).toEqual([]);
  });

  it("copies only files that exist in the build context", () => {
    const copies = instructions.filter((line) => line.startsWith("COPY ") && !line.includes("--from="));
    for (const copy of copies) {
      const sources = copy.split(/\s+/).slice(1, -1);
      for (const source of sources) expect(existsSync(join(repoRoot, source)), source).toBe(true);
    }
  });

  it("starts the entry point the build produces", () => {
    expect(entry).toBe("app/dist/server.js");
    // `npm test` builds first; the process tests run this very file.
    expect(existsSync(join(repoRoot, entry))).toBe(true);
    const packageJson = JSON.parse(readFileSync(join(appDir, "package.json"), "utf8")) as { scripts: Record<string, string>; main: string };
    expect(packageJson.scripts.start).toBe("node dist/server.js");
    expect(packageJson.main).toBe("dist/server.js");
  });

  it("keeps secrets and unneeded files out of the build context", () => {
    for (const pattern of ["**/node_modules", ".git", ".env", "app/test"]) expect(dockerignore).toContain(pattern);
    for (const needed of ["app/src", "app/package.json", "package-lock.json"]) expect(dockerignore).not.toContain(needed);
  });
});
