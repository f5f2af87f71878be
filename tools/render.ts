/**
 * The offline renderer: `npm run render -- --stack <dev|prod> --out <dir> [--config <file>] [--nodes <n>]`.
 *
 * Runs the real infra/ program under Pulumi's mock runtime (@platform/components/testing) with the stack's real
 * config file, writes every Kubernetes object as YAML (one file per object, in a
 * folder per component), writes SUMMARY.md and summary.json, and exits non-zero
 * on config errors (1), usage errors (2) or objects that fail the schema,
 * unknown-field, secret-leak or cross-reference checks (3).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { stringify } from "yaml";
import { RenderError, loadStackConfig } from "./lib/config";
import { type K8sObject, toObjects } from "./lib/objects";
import { runProgram } from "./lib/program";
import { validateObject } from "./lib/schema";
import { summarize, toMarkdown } from "./lib/summary";
import { crossReference } from "./lib/xref";

const MARKER = ".rendered-by-platform-tools";
const USAGE = "usage: npm run render -- --stack <dev|prod|...> --out <dir> [--config <stack config file>] [--nodes <nodes DaemonSets run on, for the totals; default 1>]";

export interface RenderOptions {
  readonly root: string;
  readonly stack: string;
  readonly out: string;
  /** Use this file instead of Pulumi.<stack>.yaml. */
  readonly configFile?: string;
  /** Nodes each DaemonSet runs a pod on, for the footprint totals. @default 1 */
  readonly nodes?: number;
}

function parseArgs(argv: readonly string[]): RenderOptions {
  const opts: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? "";
    const m = /^--(stack|out|config|nodes)(?:=(.*))?$/.exec(a);
    if (!m) throw new RenderError(`unknown argument ${JSON.stringify(a)}\n${USAGE}`, 2);
    const value = m[2] ?? argv[++i];
    if (value === undefined || value === "") throw new RenderError(`--${m[1]} needs a value\n${USAGE}`, 2);
    opts[m[1] as string] = value;
  }
  if (!opts["stack"] || !opts["out"]) throw new RenderError(`--stack and --out are required\n${USAGE}`, 2);
  if (!/^[A-Za-z0-9_.-]+$/.test(opts["stack"])) throw new RenderError(`invalid stack name ${JSON.stringify(opts["stack"])}`, 2);
  if (opts["nodes"] !== undefined && !/^[1-9][0-9]{0,3}$/.test(opts["nodes"])) throw new RenderError(`--nodes ${JSON.stringify(opts["nodes"])}: must be a whole number from 1 to 9999\n${USAGE}`, 2);
  return {
    root: path.resolve(__dirname, ".."),
    stack: opts["stack"],
    out: path.resolve(opts["out"]),
    configFile: opts["config"] ? path.resolve(opts["config"]) : undefined,
    nodes: opts["nodes"] ? Number(opts["nodes"]) : undefined,
  };
}

function prepareOut(out: string): void {
  if (fs.existsSync(out)) {
    const entries = fs.readdirSync(out);
    if (entries.length > 0 && !entries.includes(MARKER)) {
      throw new RenderError(`refusing to write into ${out}: it is not empty and was not written by the renderer`, 2);
    }
    fs.rmSync(out, { recursive: true, force: true });
  }
  fs.mkdirSync(out, { recursive: true });
  fs.writeFileSync(path.join(out, MARKER), "written by `npm run render`; the whole folder is replaced on the next render\n");
}

const KIND_ORDER = ["Namespace", "ServiceAccount", "Secret", "ConfigMap", "Service", "Deployment", "StatefulSet", "HorizontalPodAutoscaler", "PodDisruptionBudget", "NetworkPolicy"];
const kindRank = (k: string) => (KIND_ORDER.includes(k) ? KIND_ORDER.indexOf(k) : KIND_ORDER.length);

function toYaml(o: K8sObject): string {
  const { apiVersion, kind, metadata, ...rest } = o;
  return stringify({ apiVersion, kind, metadata, ...rest }, { lineWidth: 0, sortMapEntries: false });
}

export async function render(opts: RenderOptions): Promise<{ summaryText: string; problems: string[]; objectCount: number }> {
  const config = loadStackConfig(opts.root, opts.stack, opts.configFile);
  const run = await runProgram(opts.root, opts.stack, config);
  const { objects, others, problems } = toObjects(run.resources, run.secretValues);

  objects.sort(
    (a, b) =>
      a.component.localeCompare(b.component) ||
      kindRank(a.object.kind) - kindRank(b.object.kind) ||
      a.object.kind.localeCompare(b.object.kind) ||
      (a.object.metadata.namespace ?? "").localeCompare(b.object.metadata.namespace ?? "") ||
      a.object.metadata.name.localeCompare(b.object.metadata.name),
  );
  for (const { object } of objects) problems.push(...(await validateObject(object)));
  const xref = crossReference(objects.map((o) => o.object));
  problems.push(...xref.errors);

  prepareOut(opts.out);
  const files: string[] = [];
  for (const { object, component } of objects) {
    const base = `${object.kind.toLowerCase()}-${object.metadata.namespace ? `${object.metadata.namespace}-` : ""}${object.metadata.name}`;
    const rel = path.join(component, `${base}.yaml`);
    fs.mkdirSync(path.join(opts.out, component), { recursive: true });
    fs.writeFileSync(path.join(opts.out, rel), toYaml(object));
    files.push(rel.split(path.sep).join("/"));
  }
  const summary = summarize({ stack: opts.stack, project: config.project, objects, others, external: xref.external, outputs: run.outputs, files, nodes: opts.nodes });
  const md = toMarkdown(summary);
  fs.writeFileSync(path.join(opts.out, "SUMMARY.md"), md);
  fs.writeFileSync(path.join(opts.out, "summary.json"), JSON.stringify({ ...summary, problems }, null, 2) + "\n");
  const t = summary.totals;
  const summaryText =
    `stack ${opts.stack}: ${summary.objectCount} Kubernetes objects, ${summary.helmReleases.length} Helm releases, ${summary.otherResources.length} other resources -> ${opts.out}\n` +
    `  at min replicas: CPU ${t.atMinReplicas.cpuRequests} requested / ${t.atMinReplicas.cpuLimits} limit, memory ${t.atMinReplicas.memoryRequests} requested / ${t.atMinReplicas.memoryLimits} limit\n` +
    `  at max replicas: CPU ${t.atMaxReplicas.cpuRequests} requested / ${t.atMaxReplicas.cpuLimits} limit, memory ${t.atMaxReplicas.memoryRequests} requested / ${t.atMaxReplicas.memoryLimits} limit` +
    (summary.daemonSetNodes !== undefined ? `\n  (DaemonSets counted on ${summary.daemonSetNodes} node(s); --nodes)` : "") +
    (t.addedWhileJobsRun
      ? `\n  Jobs and CronJobs add while running: CPU ${t.addedWhileJobsRun.cpuRequests} requested / ${t.addedWhileJobsRun.cpuLimits} limit, memory ${t.addedWhileJobsRun.memoryRequests} requested / ${t.addedWhileJobsRun.memoryLimits} limit`
      : "");
  return { summaryText, problems, objectCount: summary.objectCount };
}

export async function main(argv: readonly string[]): Promise<number> {
  try {
    const opts = parseArgs(argv);
    const started = Date.now();
    const result = await render(opts);
    if (result.problems.length > 0) {
      process.stderr.write(`render of stack ${opts.stack} FAILED: ${result.problems.length} problem(s) in the rendered objects:\n${result.problems.map((p) => `  - ${p}`).join("\n")}\n`);
      process.stderr.write(`(objects and summary were still written to ${opts.out} for inspection)\n`);
      return 3;
    }
    process.stdout.write(`${result.summaryText}\n  schema, unknown-field, secret and cross-reference checks passed in ${Date.now() - started} ms; see ${path.join(opts.out, "SUMMARY.md")}\n`);
    return 0;
  } catch (e) {
    if (e instanceof RenderError) {
      process.stderr.write(`render failed: ${e.message}\n`);
      return e.exitCode;
    }
    process.stderr.write(`render failed unexpectedly: ${(e as Error).stack ?? String(e)}\n`);
    return 1;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      process.stderr.write(`render failed unexpectedly: ${String(e)}\n`);
      process.exit(1);
    },
  );
}
