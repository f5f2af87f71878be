import { execFileSync } from "node:child_process";
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { APP_DIR as appDir, REPO_ROOT as repoRoot, readDockerfile } from "./support/dockerfile";
import { RedisServer } from "./support/redis-server";
import { startService } from "./support/service-process";

// No Docker engine here: replay what app/Dockerfile does with files and processes instead — the production
// install of its build stage, the copies of its runtime stage — and start the result as its USER and CMD say.
const { buildStage, runtimeStage, entry } = readDockerfile();

/** `npm ci ... --omit=dev ...` from the build stage's RUN lines. */
function productionInstallArgs(): string[] {
  const commands = buildStage.filter((line) => line.startsWith("RUN ")).flatMap((line) => line.slice(4).split("&&").map((c) => c.trim()));
  const install = commands.find((c) => c.startsWith("npm ci ") && c.includes("--omit=dev"));
  if (!install) throw new Error("app/Dockerfile has no production `npm ci --omit=dev` step");
  return install.split(/\s+/).slice(1);
}

function workdir(stage: string[]): string {
  const line = stage.find((l) => l.startsWith("WORKDIR "));
  if (!line) throw new Error("a Dockerfile stage has no WORKDIR");
  return line.slice(8).trim();
}

/** npm as the scripts run it (same Node), falling back to the one on PATH. */
function npm(args: string[], cwd: string): void {
  const cli = process.env["npm_execpath"];
  if (cli?.endsWith(".js")) execFileSync(process.execPath, [cli, ...args], { cwd, stdio: "pipe" });
  else execFileSync("npm", args, { cwd, stdio: "pipe" });
}

const dirs: string[] = [];
let redis: RedisServer | undefined;
afterAll(async () => {
  await redis?.stop();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe("the image's runtime, assembled from app/Dockerfile without Docker", () => {
  it("installs production dependencies only, and the CMD serves the API as the USER from a tree it cannot write", async () => {
    // Build stage: the manifest copies that precede the production install, the install itself, and the build output.
    const build = mkdtempSync(join(tmpdir(), "image-build-"));
    dirs.push(build);
    for (const copy of buildStage.filter((line) => line.startsWith("COPY ") && !line.includes("--from="))) {
      const parts = copy.split(/\s+/).slice(1);
      const destination = join(build, parts.at(-1) ?? "");
      for (const source of parts.slice(0, -1)) {
        const target = parts.length > 2 || destination.endsWith("/") ? join(destination, source.split("/").at(-1) ?? "") : destination;
        mkdirSync(dirname(target), { recursive: true });
        cpSync(join(repoRoot, source), target, { recursive: true });
      }
    }
    npm([...productionInstallArgs(), "--prefer-offline"], build);
    // `npm test` has just built app/dist exactly as the build stage's `npm run build --workspace app` does.
    cpSync(join(appDir, "dist"), join(build, "app", "dist"), { recursive: true });

    // Runtime stage: only what it copies from the build stage.
    const srv = mkdtempSync(join(tmpdir(), "image-srv-"));
    dirs.push(srv);
    const buildRoot = workdir(buildStage);
    for (const copy of runtimeStage.filter((line) => line.startsWith("COPY --from=build "))) {
      const [source = "", destination = ""] = copy.split(/\s+/).slice(2);
      cpSync(join(build, source.replace(buildRoot, "")), join(srv, destination), { recursive: true });
    }
    chmodSync(srv, 0o755); // as an image layer: readable by everyone, writable by nobody but root

    const installed = readdirSync(join(srv, "node_modules"));
    for (const devOnly of ["vitest", "typescript", "tsx", "autocannon", "node"]) expect(installed, devOnly).not.toContain(devOnly);
    expect(installed).toEqual(expect.arrayContaining(["fastify", "ioredis", "ulid"]));

    const [uid, gid] = (runtimeStage.find((line) => line.startsWith("USER "))?.slice(5).split(":") ?? []).map(Number);
    expect(existsSync(join(srv, entry))).toBe(true);
    const asRoot = process.getuid?.() === 0;

    redis = await RedisServer.start({ password: "image-test" });
    const service = await startService(
      { NODE_ENV: "production", REDIS_URL: redis.url, SHUTDOWN_DRAIN_DELAY_MS: "0" },
      { cwd: srv, entry, ...(asRoot ? { uid, gid } : {}) },
    );
    const created = await fetch(`${service.url}/v1/notes`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ title: "from the image", body: "production dependencies are enough" }),
    });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    expect((await fetch(`${service.url}/v1/notes/${id}`)).status).toBe(200);
    expect((await fetch(`${service.url}/health/ready`)).status).toBe(200);
    expect(await (await fetch(`${service.url}/metrics`)).text()).toContain("http_requests_total");

    service.child.kill("SIGTERM");
    expect(await service.exited).toBe(0);
    expect(service.stderr()).toBe("");
    if (asRoot) expect(uid).toBe(65532);
  }, 120_000);
});
