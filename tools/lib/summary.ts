/** Resource totals and the summary of a render. */
import type { RecordedResource } from "./program";
import { type Json, type JsonObject, REDACTED, type Rendered, arr, describe, obj, str } from "./objects";
import { controllerSpec, podTemplate } from "./pods";

/** CPU quantity → millicores. */
export function cpuMillis(q: Json | undefined): number {
  if (typeof q === "number") return Math.round(q * 1000);
  if (typeof q !== "string") return 0;
  return q.endsWith("m") ? Number(q.slice(0, -1)) : Math.round(Number(q) * 1000);
}

/** Memory quantity → bytes. */
export function memoryBytes(q: Json | undefined): number {
  if (typeof q === "number") return q;
  if (typeof q !== "string") return 0;
  const m = /^([0-9.]+)(Ki|Mi|Gi|Ti|k|K|M|G|T)?$/.exec(q);
  if (!m) return NaN;
  const f: Record<string, number> = { Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4, k: 1e3, K: 1e3, M: 1e6, G: 1e9, T: 1e12 };
  return Number(m[1]) * (m[2] ? (f[m[2]] ?? NaN) : 1);
}

export interface Resources {
  cpuRequests: number; // millicores
  cpuLimits: number;
  memoryRequests: number; // bytes
  memoryLimits: number;
}

/** A long-running workload: Deployment, StatefulSet, ReplicaSet, or a DaemonSet (one pod per node). */
export interface WorkloadTotals {
  readonly workload: string;
  readonly component: string;
  /** Pods at the minimum (a DaemonSet: the nodes assumed). */
  readonly minReplicas: number;
  /** Pods at the maximum the HPA may scale to (a DaemonSet: the nodes assumed). */
  readonly maxReplicas: number;
  readonly perPod: Resources;
  /** A DaemonSet: one pod per node, counted for the nodes assumed (`--nodes`). */
  readonly perNode?: true;
}

/** A Job or CronJob: not running all the time; what it adds while it runs. */
export interface JobPeak {
  readonly workload: string;
  readonly component: string;
  /** A CronJob's schedule. */
  readonly schedule?: string;
  /** Pods of one run at once: parallelism (default 1), at most completions. */
  readonly podsAtOnce: number;
  readonly perPod: Resources;
  /** podsAtOnce × perPod. */
  readonly peak: Resources;
}

const FIELDS = ["cpuRequests", "cpuLimits", "memoryRequests", "memoryLimits"] as const;
const zero = (): Resources => ({ cpuRequests: 0, cpuLimits: 0, memoryRequests: 0, memoryLimits: 0 });
const combine = (a: Resources, b: Resources, f: (x: number, y: number) => number): Resources =>
  Object.fromEntries(FIELDS.map((k) => [k, f(a[k], b[k])])) as unknown as Resources;
const add = (a: Resources, b: Resources) => combine(a, b, (x, y) => x + y);
const larger = (a: Resources, b: Resources) => combine(a, b, Math.max);
const times = (n: number, r: Resources) => combine(r, r, (x) => n * x);

/** One container's requests and limits (a quantity it does not set counts as 0). */
function containerResources(c: JsonObject): Resources {
  const requests = obj(obj(c["resources"])["requests"]);
  const limits = obj(obj(c["resources"])["limits"]);
  return { cpuRequests: cpuMillis(requests["cpu"]), cpuLimits: cpuMillis(limits["cpu"]), memoryRequests: memoryBytes(requests["memory"]), memoryLimits: memoryBytes(limits["memory"]) };
}

/**
 * A pod's effective requests and limits, as the scheduler computes them (each quantity on its own): the larger of
 * - the regular containers plus the sidecars (init containers with restartPolicy Always), which run all along, and
 * - the peak of the init phase: each init container while it runs, plus the sidecars started before it (a
 *   sidecar's own step: the sidecars up to and including it).
 */
export function podResources(podSpec: JsonObject): Resources {
  const regular = arr(podSpec["containers"]).map(obj).map(containerResources).reduce(add, zero());
  let sidecars = zero();
  let initPeak = zero();
  for (const c of arr(podSpec["initContainers"]).map(obj)) {
    const r = containerResources(c);
    if (c["restartPolicy"] === "Always") {
      sidecars = add(sidecars, r);
      initPeak = larger(initPeak, sidecars);
    } else {
      initPeak = larger(initPeak, add(r, sidecars));
    }
  }
  return larger(add(regular, sidecars), initPeak);
}

const count = (v: Json | undefined): number | undefined => (typeof v === "number" ? v : undefined);

/**
 * The long-running workloads with their pod counts: replicas (from the HPA when one scales the workload) or, for
 * a DaemonSet, one pod per node for `nodes` nodes.
 */
export function workloadTotals(objects: readonly Rendered[], nodes = 1): WorkloadTotals[] {
  const out: WorkloadTotals[] = [];
  for (const { object: o, component } of objects) {
    if (!["Deployment", "StatefulSet", "ReplicaSet", "DaemonSet"].includes(o.kind)) continue;
    const perPod = podResources(podTemplate(o)?.spec ?? {});
    if (o.kind === "DaemonSet") {
      out.push({ workload: describe(o), component, minReplicas: nodes, maxReplicas: nodes, perPod, perNode: true });
      continue;
    }
    const spec = obj(o["spec"]);
    const hpa = objects.find(
      (h) =>
        h.object.kind === "HorizontalPodAutoscaler" &&
        h.object.metadata.namespace === o.metadata.namespace &&
        obj(obj(h.object["spec"])["scaleTargetRef"])["name"] === o.metadata.name,
    );
    const hspec = hpa ? obj(hpa.object["spec"]) : {};
    const fixed = count(spec["replicas"]) ?? 1;
    const min = hpa ? (count(hspec["minReplicas"]) ?? 1) : fixed;
    const max = hpa ? (count(hspec["maxReplicas"]) ?? min) : min;
    out.push({ workload: describe(o), component, minReplicas: min, maxReplicas: max, perPod });
  }
  return out;
}

/** Jobs and CronJobs: the pods one run has at once and what they add while running. */
export function jobPeaks(objects: readonly Rendered[]): JobPeak[] {
  const out: JobPeak[] = [];
  for (const { object: o, component } of objects) {
    if (o.kind !== "Job" && o.kind !== "CronJob") continue;
    const job = controllerSpec(o) ?? {};
    const parallelism = count(job["parallelism"]) ?? 1;
    const completions = count(job["completions"]);
    const podsAtOnce = completions === undefined ? parallelism : Math.min(parallelism, completions);
    const perPod = podResources(podTemplate(o)?.spec ?? {});
    const schedule = o.kind === "CronJob" ? str(obj(o["spec"])["schedule"]) : undefined;
    out.push({ workload: describe(o), component, ...(schedule !== undefined ? { schedule } : {}), podsAtOnce, perPod, peak: times(podsAtOnce, perPod) });
  }
  return out;
}

export function sumTotals(workloads: readonly WorkloadTotals[], replicas: (w: WorkloadTotals) => number): Resources {
  return workloads.reduce((t, w) => add(t, times(replicas(w), w.perPod)), zero());
}

export const fmtCpu = (m: number) => `${m}m`;
export const fmtMem = (b: number) => `${Math.round((b / 1024 ** 2) * 10) / 10}Mi`;

export interface Summary {
  readonly stack: string;
  readonly project: string;
  readonly objectCount: number;
  readonly byKind: Record<string, number>;
  readonly byComponentAndKind: { component: string; kind: string; count: number }[];
  readonly helmReleases: { resource: string; name: string; chart: string; version: string; repository: string; namespace: string }[];
  readonly otherResources: { type: string; name: string; detail: string }[];
  readonly workloads: WorkloadTotals[];
  /** The nodes each DaemonSet is counted on (present only when the stack has DaemonSets). */
  readonly daemonSetNodes?: number;
  /** Jobs and CronJobs, apart from the totals (present only when the stack has them). */
  readonly jobs?: JobPeak[];
  readonly totals: {
    atMinReplicas: FormattedResources;
    atMaxReplicas: FormattedResources;
    /** What every Job and CronJob adds while running at once (present only when the stack has them). */
    addedWhileJobsRun?: FormattedResources;
  };
  readonly external: string[];
  readonly outputs: Record<string, unknown>;
  readonly files: string[];
}

export interface FormattedResources {
  cpuRequests: string;
  cpuLimits: string;
  memoryRequests: string;
  memoryLimits: string;
}

function fmt(r: Resources): FormattedResources {
  return { cpuRequests: fmtCpu(r.cpuRequests), cpuLimits: fmtCpu(r.cpuLimits), memoryRequests: fmtMem(r.memoryRequests), memoryLimits: fmtMem(r.memoryLimits) };
}

function inputStr(r: RecordedResource, key: string): string {
  const v = r.inputs[key];
  if (v === undefined || v === null) return "";
  return typeof v === "string" ? v : JSON.stringify(v);
}

export function summarize(args: {
  stack: string;
  project: string;
  objects: readonly Rendered[];
  others: readonly RecordedResource[];
  external: string[];
  outputs: Record<string, unknown>;
  files: string[];
  /** Nodes each DaemonSet runs a pod on, for the totals. @default 1 */
  nodes?: number;
}): Summary {
  const byKind: Record<string, number> = {};
  const byCK = new Map<string, { component: string; kind: string; count: number }>();
  for (const { object, component } of args.objects) {
    byKind[object.kind] = (byKind[object.kind] ?? 0) + 1;
    const key = `${component}\u0000${object.kind}`;
    const row = byCK.get(key) ?? { component, kind: object.kind, count: 0 };
    row.count++;
    byCK.set(key, row);
  }
  const helmReleases = args.others
    .filter((r) => r.type === "kubernetes:helm.sh/v3:Release")
    .map((r) => ({
      resource: r.name,
      name: inputStr(r, "name"),
      chart: inputStr(r, "chart"),
      version: inputStr(r, "version"),
      repository: (r.inputs["repositoryOpts"] as { repo?: string } | undefined)?.repo ?? (inputStr(r, "chart").startsWith("oci://") ? "(OCI)" : ""),
      namespace: inputStr(r, "namespace"),
    }));
  const otherResources = args.others
    .filter((r) => r.type !== "kubernetes:helm.sh/v3:Release")
    .map((r) => {
      let detail = "";
      if (r.type === "kubernetes:yaml/v2:ConfigFile") detail = `applies ${inputStr(r, "file")}`;
      else if (r.type === "docker:index/image:Image") {
        const build = (r.inputs["build"] ?? {}) as Record<string, unknown>;
        detail = `builds ${String(build["dockerfile"])} (context ${String(build["context"])}, ${String(build["platform"])}) and pushes ${inputStr(r, "imageName")}; the digest in the manifests is a placeholder`;
      } else if (r.type === "pulumi:providers:kubernetes") {
        const dir = inputStr(r, "renderYamlToDirectory");
        detail = dir ? `explicit Kubernetes provider; the real engine writes the manifests to ${dir} instead of deploying` : "explicit Kubernetes provider";
      } else if (r.type.startsWith("random:")) detail = `generated secret (${REDACTED} in the manifests)`;
      return { type: r.type, name: r.name, detail };
    });
  const nodes = args.nodes ?? 1;
  const workloads = workloadTotals(args.objects, nodes);
  const jobs = jobPeaks(args.objects);
  return {
    stack: args.stack,
    project: args.project,
    objectCount: args.objects.length,
    byKind: Object.fromEntries(Object.entries(byKind).sort(([a], [b]) => a.localeCompare(b))),
    byComponentAndKind: [...byCK.values()].sort((a, b) => a.component.localeCompare(b.component) || a.kind.localeCompare(b.kind)),
    helmReleases,
    otherResources,
    workloads,
    ...(workloads.some((w) => w.perNode) ? { daemonSetNodes: nodes } : {}),
    ...(jobs.length > 0 ? { jobs } : {}),
    totals: {
      atMinReplicas: fmt(sumTotals(workloads, (w) => w.minReplicas)),
      atMaxReplicas: fmt(sumTotals(workloads, (w) => w.maxReplicas)),
      ...(jobs.length > 0 ? { addedWhileJobsRun: fmt(jobs.map((j) => j.peak).reduce(add, zero())) } : {}),
    },
    external: args.external,
    outputs: args.outputs,
    files: args.files,
  };
}

export function toMarkdown(s: Summary): string {
  const lines: string[] = [];
  lines.push(`# Render of stack \`${s.stack}\` (project ${s.project})`, "");
  lines.push(`${s.objectCount} Kubernetes objects, ${s.helmReleases.length} Helm releases, ${s.otherResources.length} other resources.`, "");
  lines.push("## Objects by component and kind", "", "| component | kind | count |", "|---|---|---|");
  for (const r of s.byComponentAndKind) lines.push(`| ${r.component} | ${r.kind} | ${r.count} |`);
  lines.push("", "## Helm releases", "");
  if (s.helmReleases.length === 0) lines.push("none");
  else {
    lines.push("| resource | release | chart | version | repository | namespace |", "|---|---|---|---|---|---|");
    for (const h of s.helmReleases) lines.push(`| ${h.resource} | ${h.name} | ${h.chart} | ${h.version} | ${h.repository} | ${h.namespace} |`);
  }
  lines.push("", "## Other resources (not Kubernetes objects)", "");
  if (s.otherResources.length === 0) lines.push("none");
  else for (const o of s.otherResources) lines.push(`- \`${o.type}\` ${o.name}: ${o.detail}`);
  lines.push("", "## Requests and limits", "", "| workload | component | replicas (min–max) | CPU req/pod | CPU lim/pod | mem req/pod | mem lim/pod |", "|---|---|---|---|---|---|---|");
  for (const w of s.workloads) {
    const replicas = w.perNode ? `1 per node × ${w.minReplicas}` : `${w.minReplicas}–${w.maxReplicas}`;
    lines.push(`| ${w.workload} | ${w.component} | ${replicas} | ${fmtCpu(w.perPod.cpuRequests)} | ${fmtCpu(w.perPod.cpuLimits)} | ${fmtMem(w.perPod.memoryRequests)} | ${fmtMem(w.perPod.memoryLimits)} |`);
  }
  lines.push("", "| total | CPU requests | CPU limits | memory requests | memory limits |", "|---|---|---|---|---|");
  for (const [label, t] of [
    ["at minimum replicas", s.totals.atMinReplicas],
    ["at maximum replicas (HPA)", s.totals.atMaxReplicas],
  ] as const) {
    lines.push(`| ${label} | ${t.cpuRequests} | ${t.cpuLimits} | ${t.memoryRequests} | ${t.memoryLimits} |`);
  }
  if (s.daemonSetNodes !== undefined) {
    const perNode = fmt(sumTotals(s.workloads.filter((w) => w.perNode), () => 1));
    lines.push(
      "",
      `DaemonSets run one pod on every node; the totals count them on ${s.daemonSetNodes} node${s.daemonSetNodes === 1 ? "" : "s"} (\`--nodes\`). Per node they take CPU ${perNode.cpuRequests} requested / ${perNode.cpuLimits} limit, memory ${perNode.memoryRequests} requested / ${perNode.memoryLimits} limit.`,
    );
  }
  if (s.jobs !== undefined && s.totals.addedWhileJobsRun !== undefined) {
    lines.push(
      "",
      "### Jobs and CronJobs: what they add while running (not in the totals above)",
      "",
      "| job | component | schedule | pods at once | CPU req | CPU lim | mem req | mem lim |",
      "|---|---|---|---|---|---|---|---|",
    );
    for (const j of s.jobs) {
      lines.push(`| ${j.workload} | ${j.component} | ${j.schedule ?? "once"} | ${j.podsAtOnce} | ${fmtCpu(j.peak.cpuRequests)} | ${fmtCpu(j.peak.cpuLimits)} | ${fmtMem(j.peak.memoryRequests)} | ${fmtMem(j.peak.memoryLimits)} |`);
    }
    const t = s.totals.addedWhileJobsRun;
    lines.push(`| all at once | | | | ${t.cpuRequests} | ${t.cpuLimits} | ${t.memoryRequests} | ${t.memoryLimits} |`);
    lines.push("", "A CronJob counts one run at a time; with concurrencyPolicy Allow (the default) overlapping runs add as much again each.");
  }
  lines.push("", "Helm releases and cluster add-ons are not included in the totals.", "", "## Provided outside this stack", "");
  if (s.external.length === 0) lines.push("nothing");
  else for (const e of s.external) lines.push(`- ${e}`);
  lines.push("", "## Stack outputs", "", "```json", JSON.stringify(s.outputs, null, 2), "```", "");
  return lines.join("\n");
}
