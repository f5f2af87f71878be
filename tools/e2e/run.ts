/**
 * `npm run e2e`: the stacks against a real Kubernetes API server on this machine.
 *
 * 1. Builds or reuses kine, kube-apiserver and kube-controller-manager (tools/platform-tools.sh).
 * 2. Renders dev and prod (`npm run render`).
 * 3. Starts a throwaway control plane (tools/e2e/control-plane.ts) and installs the CRDs the stacks use, from the
 *    Go modules that ship them (tools/e2e/crds.ts).
 * 4. Server-side dry run of every rendered object of both stacks (tools/e2e/dry-run.ts).
 * 5. The real engine (tools/e2e/engine.ts), when the Pulumi CLI, the Node.js language host and the Kubernetes
 *    provider are built: per stack, preview, up, a second up that must change nothing, the stored objects against
 *    the render of the same config (tools/e2e/stored.ts), a preview after a config
 *    change that must show exactly the expected diff, no secret in plain text in the state, the outputs the render
 *    documents, and destroy.
 * 6. Stops the control plane and removes its directory (kept with --keep, for a look at its logs).
 *
 * Prints one line per step with its time, every refusal with the API server's message, and exits 1 when
 * anything was refused or could not run. `--if-built` (CI) builds nothing and skips, in one line, when a binary
 * is missing; `--keep` keeps the control plane's directory and logs.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { platformTool } from "@platform/components/testing";
import { binaryVersion, startControlPlane } from "./control-plane";
import { CRD_SOURCES, installCrds, loadCrds } from "./crds";
import { dryRunRender, readRender } from "./dry-run";
import { ApiError, type KubeApi } from "./kube-api";
import { compareWithRender, stateResources } from "./stored";
import { Engine, type EngineBinaries, type EngineRun, resourceCounts } from "./engine";

const ROOT = path.resolve(__dirname, "..", "..");
const STACKS = ["dev", "prod"] as const;

const seconds = (since: number) => `${((Date.now() - since) / 1000).toFixed(1)} s`;
const say = (line: string) => process.stdout.write(`e2e: ${line}\n`);

/** Renders a stack (one process per stack: the program runs once per process under the mock runtime). */
function render(stack: string, out: string, configFile?: string): void {
  const args = ["tools/render.ts", "--stack", stack, "--out", out, ...(configFile ? ["--config", configFile] : [])];
  const run = spawnSync(path.join(ROOT, "node_modules", ".bin", "tsx"), args, { cwd: ROOT, encoding: "utf8" });
  if (run.status !== 0) throw new Error(`the ${stack} render failed:\n${run.stdout}${run.stderr}`);
}

/** The engine's runs of one stack, each checked; returns the number of failed checks. */
async function engineRuns(stack: string, engine: Engine, kubeconfig: string, api: KubeApi): Promise<number> {
  let failures = 0;
  const check = (ok: boolean, what: string, run?: EngineRun) => {
    say(`${stack}: ${ok ? "ok" : "FAILED"}: ${what}${run ? ` (${run.command}, ${run.seconds.toFixed(1)} s)` : ""}`);
    if (!ok) {
      failures++;
      if (run) process.stdout.write(`${run.output.slice(-3000)}\n`);
    }
  };
  const passwords = { "node-service-platform:redisPassword": `e2e-redis-${stack}-0123456789`, "node-service-platform:grafanaAdminPassword": `e2e-grafana-${stack}-0123456789` };
  const init = engine.init(
    kubeconfig,
    { "node-service-platform:installCertManager": "false", "node-service-platform:installGatewayApi": "false", "node-service-platform:image": "ghcr.io/example/notes:1.0.0", "node-service-platform:kubernetesSkipAwait": "true" },
    passwords,
  );
  // prod's stack file names a repository to build into; the e2e deploys a prebuilt image instead.
  if (stack === "prod") engine.run("config", "rm", "node-service-platform:imageRepository");
  const badInit = init.find((r) => r.status !== 0);
  check(!badInit, "stack init and config", badInit);
  if (badInit) return failures;
  // The render of exactly this config, to compare what the server stores with.
  const rendered = path.join(engine.dir, "render");
  render(stack, rendered, path.join(engine.project, `Pulumi.${stack}.yaml`));

  const preview = engine.run("preview");
  check(preview.status === 0, `preview: ${JSON.stringify(resourceCounts(preview.output))}`, preview);
  const up = engine.run("up", "--yes");
  const created = resourceCounts(up.output)["created"] ?? 0;
  check(up.status === 0 && created > 0, `up: ${created} created`, up);
  const again = engine.run("up", "--yes", "--expect-no-changes");
  check(again.status === 0, `a second up changes nothing: ${JSON.stringify(resourceCounts(again.output))}`, again);

  // What the server stored, field by field against the render (tools/e2e/stored.ts).
  const exportFile = path.join(engine.dir, "export.json");
  const exported = engine.run("stack", "export", "--file", exportFile);
  const objects = readRender(rendered).map((r) => r.object);
  const exportedState = exported.status === 0 ? (JSON.parse(fs.readFileSync(exportFile, "utf8")) as unknown) : {};
  const stored = await compareWithRender(objects, stateResources(exportedState), async (o) => {
    try {
      return await api.get<Record<string, unknown>>(o);
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) return undefined;
      throw e;
    }
  });
  check(stored.problems.length === 0 && stored.compared > 0, `the ${stored.compared} objects the server stored match the render of the same config${stored.problems.length ? `:\n  ${stored.problems.join("\n  ")}` : ""}`, exported);

  // A config change: exactly the service's ConfigMap, replaced (the provider treats a ConfigMap's data as
  // immutable: a new auto-named one), and its Deployment, updated to point at it (which rolls the pods).
  engine.run("config", "set", "node-service-platform:logLevel", stack === "dev" ? "info" : "debug");
  const diff = engine.run("preview", "--json");
  let changed: string[] = [];
  try {
    const steps = (JSON.parse(diff.stdout) as { steps?: { op: string; urn: string }[] }).steps ?? [];
    changed = steps.filter((st) => st.op !== "same").map((st) => `${st.op} ${st.urn.split("::").pop()}`);
  } catch {
    changed = [`unreadable preview output: ${diff.stdout.slice(0, 300)}`];
  }
  const expected = changed.length === 2 && changed.some((c) => /^replace app-config$/.test(c)) && changed.some((c) => /^update app-deployment$/.test(c));
  check(diff.status === 0 && expected, `preview after a logLevel change replaces exactly the ConfigMap and updates the Deployment: ${changed.join(", ")}`, diff);

  // Secrets: encrypted in the state; the outputs are the ones the render documents.
  const state = engine.stateText();
  check(Object.values(passwords).every((p) => !state.includes(p)), "no password in plain text in the state files");
  const outputs = engine.run("stack", "output", "--json");
  let keys: string[] = [];
  try {
    keys = Object.keys(JSON.parse(outputs.stdout) as Record<string, unknown>).sort();
  } catch {
    keys = [];
  }
  const documented = Object.keys((JSON.parse(fs.readFileSync(path.join(rendered, "summary.json"), "utf8")) as { outputs: Record<string, unknown> }).outputs).sort();
  check(JSON.stringify(keys) === JSON.stringify(documented), `stack outputs are the rendered ones (${keys.length})`, outputs);

  const destroy = engine.run("destroy", "--yes");
  check(destroy.status === 0 && (resourceCounts(destroy.output)["deleted"] ?? 0) > 0, `destroy: ${resourceCounts(destroy.output)["deleted"] ?? 0} deleted`, destroy);
  return failures;
}

export async function main(argv: readonly string[]): Promise<number> {
  const keep = argv.includes("--keep");
  // CI: the tools were built (or not, within its budget) before; run with what is there, or skip in one line.
  const ifBuilt = argv.includes("--if-built");
  const unknown = argv.filter((a) => a !== "--keep" && a !== "--if-built");
  if (unknown.length > 0) {
    process.stderr.write(`e2e: unknown argument ${unknown.join(" ")}\nusage: npm run e2e [-- --keep] [-- --if-built]\n`);
    return 2;
  }
  let t = Date.now();
  if (!ifBuilt) {
    const build = spawnSync("bash", [path.join(ROOT, "tools", "platform-tools.sh"), "--only", "kine,kubernetes,pulumi,pulumi-language-nodejs,pulumi-kubernetes"], { cwd: ROOT, encoding: "utf8" });
    process.stdout.write(build.stdout);
  }
  const bins = { kine: platformTool("kine"), kubeApiserver: platformTool("kube-apiserver"), kubeControllerManager: platformTool("kube-controller-manager") };
  const missing = (["kine", "kube-apiserver", "kube-controller-manager"] as const).filter((b) => !platformTool(b)).map((b) => [b]);
  if (missing.length > 0) {
    if (ifBuilt) {
      say(`SKIPPED: ${missing.map(([n]) => n).join(", ")} not built (tools/platform-tools.sh ran out of its budget or failed; see its lines above)`);
      return 0;
    }
    say(`cannot run: ${missing.map(([n]) => n).join(", ")} could not be built (see the lines above and their logs in ~/.cache/platform-tools/logs)`);
    return 1;
  }
  say(`control plane binaries ready in ${seconds(t)}: ${binaryVersion(bins.kubeApiserver as string)}`);

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "platform-e2e-"));
  let failed = 0;
  try {
    t = Date.now();
    // One process per stack, as a user renders: the program runs once per process under Pulumi's mock runtime.
    for (const stack of STACKS) render(stack, path.join(dir, "render", stack));
    say(`rendered ${STACKS.join(" and ")} in ${seconds(t)}`);

    t = Date.now();
    const cp = await startControlPlane({ kine: bins.kine as string, kubeApiserver: bins.kubeApiserver as string, kubeControllerManager: bins.kubeControllerManager }, path.join(dir, "control-plane"));
    try {
      say(`control plane ready at ${cp.url} in ${cp.startSeconds.toFixed(1)} s (kubeconfig: ${cp.kubeconfig})`);
      t = Date.now();
      const crds = loadCrds();
      await installCrds(cp.api, crds);
      say(`${crds.length} CRDs installed and established in ${seconds(t)}: ${CRD_SOURCES.map((s) => `${s.module}@${s.version}`).join(", ")}`);

      for (const stack of STACKS) {
        t = Date.now();
        const results = await dryRunRender(cp.api, path.join(dir, "render", stack));
        const refused = results.filter((r) => r.error);
        failed += refused.length;
        say(`${stack}: server-side dry run of ${results.length} objects in ${seconds(t)}: ${results.length - refused.length} accepted, ${refused.length} refused`);
        for (const r of refused) say(`  REFUSED ${r.object} (${r.file}): ${r.error}`);
      }

      // The real engine, when its binaries are built.
      const engineBins = { pulumi: platformTool("pulumi"), languageHost: platformTool("pulumi-language-nodejs"), kubernetesProvider: platformTool("pulumi-resource-kubernetes") };
      const missingEngine = (["pulumi", "pulumi-language-nodejs", "pulumi-resource-kubernetes"] as const).filter((b) => !platformTool(b));
      if (missingEngine.length > 0) {
        say(`SKIPPED the engine runs: ${missingEngine.join(", ")} not built`);
      } else {
        // The cluster add-ons are off: stand in for the namespace cert-manager would have created.
        await cp.api.apply({ apiVersion: "v1", kind: "Namespace", metadata: { name: "cert-manager" } });
        for (const stack of STACKS) {
          const problems = await engineRuns(stack, new Engine(ROOT, path.join(dir, "engine", stack), engineBins as EngineBinaries, stack), cp.kubeconfig, cp.api);
          failed += problems;
        }
      }
    } finally {
      await cp.stop();
    }
  } catch (e) {
    say(`FAILED: ${(e as Error).message}`);
    failed++;
  } finally {
    if (keep) say(`kept ${dir}`);
    else fs.rmSync(dir, { recursive: true, force: true });
  }
  say(failed === 0 ? "passed" : `FAILED (${failed})`);
  return failed === 0 ? 0 : 1;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: Error) => {
      process.stderr.write(`e2e failed unexpectedly: ${e.stack ?? e.message}\n`);
      process.exit(1);
    },
  );
}
