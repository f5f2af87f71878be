/**
 * The real Pulumi engine against the throwaway control plane: the CLI, the Node.js language host and the
 * Kubernetes provider built from their Go modules (tools/platform-tools.sh), a local file backend, no update
 * checks and no plugin downloads. The project is copied into a work directory (the stack's config file there
 * gets the e2e settings and a passphrase salt; the repository's own files are never touched), with this
 * checkout's node_modules linked in.
 *
 * The e2e settings: the cluster add-ons off (no chart repository here; the harness stands in for what they
 * install: their CRDs, and the cert-manager namespace), a prebuilt image (no docker provider is served by the
 * Go module proxy), passwords from config (nor is the random provider), and kubernetesSkipAwait (no kubelet:
 * pods never start).
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

export interface EngineBinaries {
  readonly pulumi: string;
  readonly languageHost: string;
  readonly kubernetesProvider: string;
}

export interface EngineRun {
  readonly command: string;
  readonly status: number;
  readonly seconds: number;
  readonly output: string;
  /** Standard output alone (the JSON of --json). */
  readonly stdout: string;
}

const PROJECT_FILES = ["Pulumi.yaml", "package.json", "tsconfig.json", "infra", "components", "stacks", "app"];

export class Engine {
  private readonly env: NodeJS.ProcessEnv;
  readonly project: string;
  readonly state: string;

  constructor(
    private readonly root: string,
    readonly dir: string,
    bins: EngineBinaries,
    private readonly stack: string,
  ) {
    this.project = path.join(dir, "project");
    this.state = path.join(dir, "state");
    const binDir = path.join(dir, "bin");
    fs.mkdirSync(binDir, { recursive: true });
    fs.mkdirSync(this.state, { recursive: true });
    // The plugins sit next to the CLI and on the PATH, where the engine looks before any plugin cache.
    for (const [name, from] of [["pulumi", bins.pulumi], ["pulumi-language-nodejs", bins.languageHost], ["pulumi-resource-kubernetes", bins.kubernetesProvider]] as const) {
      fs.symlinkSync(fs.realpathSync(from), path.join(binDir, name));
    }
    this.env = {
      PATH: `${binDir}${path.delimiter}${path.join(root, "node_modules", ".bin")}${path.delimiter}${process.env["PATH"] ?? ""}`,
      HOME: process.env["HOME"],
      PULUMI_HOME: path.join(dir, "home"),
      PULUMI_BACKEND_URL: `file://${this.state}`,
      PULUMI_CONFIG_PASSPHRASE: "e2e-passphrase",
      PULUMI_SKIP_UPDATE_CHECK: "true",
      PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
      PULUMI_DISABLE_REGISTRY_RESOLVE: "true",
    };
    fs.mkdirSync(this.project, { recursive: true });
    for (const f of PROJECT_FILES) fs.cpSync(path.join(root, f), path.join(this.project, f), { recursive: true, filter: (src) => !src.includes(`${path.sep}node_modules`) && !src.endsWith(`${path.sep}dist`) });
    fs.symlinkSync(path.join(root, "node_modules"), path.join(this.project, "node_modules"));
    fs.copyFileSync(path.join(root, `Pulumi.${stack}.yaml`), path.join(this.project, `Pulumi.${stack}.yaml`));
  }

  /** Runs the CLI in the project for this stack; never throws, the caller reads the status. */
  run(...args: string[]): EngineRun {
    const started = Date.now();
    const r = spawnSync("pulumi", [...args, "--stack", this.stack, "--non-interactive"], { cwd: this.project, env: this.env, encoding: "utf8", timeout: 600_000, maxBuffer: 256 * 1024 * 1024 });
    return { command: `pulumi ${args.join(" ")}`, status: r.status ?? 1, seconds: (Date.now() - started) / 1000, output: `${r.stdout ?? ""}${r.stderr ?? ""}`, stdout: r.stdout ?? "" };
  }

  /** Creates the stack and sets the e2e settings (see the header); secrets with --secret. */
  init(kubeconfig: string, values: Record<string, string>, secrets: Record<string, string>): EngineRun[] {
    const runs = [this.run("stack", "init")];
    runs.push(this.run("config", "set", "kubernetes:kubeconfig", kubeconfig));
    for (const [k, v] of Object.entries(values)) runs.push(this.run("config", "set", k, v));
    for (const [k, v] of Object.entries(secrets)) runs.push(this.run("config", "set", "--secret", k, v));
    return runs;
  }

  /** Every file of the state backend, for the check that no secret is stored in plain text. */
  stateText(): string {
    const texts: string[] = [];
    const walk = (d: string) => {
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        const p = path.join(d, e.name);
        if (e.isDirectory()) walk(p);
        else texts.push(fs.readFileSync(p, "utf8"));
      }
    };
    walk(this.state);
    return texts.join("\n");
  }
}

/** "Resources: + 91 created" style summary line counts of a run's output. */
export function resourceCounts(output: string): Record<string, number> {
  const counts: Record<string, number> = {};
  const summary = output.slice(output.lastIndexOf("Resources:"));
  for (const m of summary.matchAll(/^\s+[+~\-±]*\s*(\d+) (created|updated|deleted|unchanged|to create|to update|to delete|to replace|replaced|errored)/gm)) counts[m[2] as string] = Number(m[1]);
  return counts;
}
