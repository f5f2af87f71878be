/**
 * `npm run e2e`: the stacks against a real Kubernetes API server on this machine.
 *
 * 1. Builds or reuses kine, kube-apiserver and kube-controller-manager (tools/platform-tools.sh).
 * 2. Renders dev and prod (`npm run render`).
 * 3. Starts a throwaway control plane (tools/e2e/control-plane.ts) and installs the CRDs the stacks use, from the
 *    Go modules that ship them (tools/e2e/crds.ts).
 * 4. Server-side dry run of every rendered object of both stacks (tools/e2e/dry-run.ts).
 * 5. Stops the control plane and removes its directory (kept with --keep, for a look at its logs).
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
import { dryRunRender } from "./dry-run";

const ROOT = path.resolve(__dirname, "..", "..");
const STACKS = ["dev", "prod"] as const;

const seconds = (since: number) => `${((Date.now() - since) / 1000).toFixed(1)} s`;
const say = (line: string) => process.stdout.write(`e2e: ${line}\n`);

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
    const build = spawnSync("bash", [path.join(ROOT, "tools", "platform-tools.sh"), "--only", "kine,kubernetes"], { cwd: ROOT, encoding: "utf8" });
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
    for (const stack of STACKS) {
      const run = spawnSync(path.join(ROOT, "node_modules", ".bin", "tsx"), ["tools/render.ts", "--stack", stack, "--out", path.join(dir, "render", stack)], { cwd: ROOT, encoding: "utf8" });
      if (run.status !== 0) throw new Error(`the ${stack} render failed:\n${run.stdout}${run.stderr}`);
    }
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
