/** Resource totals and the summary of a render. */
import type { RecordedResource } from "./program";
import { type Json, type JsonObject, REDACTED, type Rendered, arr, describe, obj } from "./objects";

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

export interface WorkloadTotals {
  readonly workload: string;
  readonly component: string;
  readonly minReplicas: number;
  readonly maxReplicas: number;
  readonly perPod: Resources;
}

const zero = (): Resources => ({ cpuRequests: 0, cpuLimits: 0, memoryRequests: 0, memoryLimits: 0 });

/** Per-pod requests and limits: the sum over containers (init containers run before, so they do not add). */
export function podResources(podSpec: JsonObject): Resources {
  const r = zero();
  for (const c of arr(podSpec["containers"]).map(obj)) {
    const res = obj(c["resources"]);
    r.cpuRequests += cpuMillis(obj(res["requests"])["cpu"]);
    r.cpuLimits += cpuMillis(obj(res["limits"])["cpu"]);
    r.memoryRequests += memoryBytes(obj(res["requests"])["memory"]);
    r.memoryLimits += memoryBytes(obj(res["limits"])["memory"]);
  }
  return r;
}

/** Replicas of each workload (from the HPA when it owns the count) and its per-pod resources. */
export function workloadTotals(objects: readonly Rendered[]): WorkloadTotals[] {
  const out: WorkloadTotals[] = [];
  for (const { object: o, component } of objects) {
    if (o.kind !== "Deployment" && o.kind !== "StatefulSet") continue;
    const spec = obj(o["spec"]);
    const hpa = objects.find(
      (h) =>
        h.object.kind === "HorizontalPodAutoscaler" &&
        h.object.metadata.namespace === o.metadata.namespace &&
        obj(obj(h.object["spec"])["scaleTargetRef"])["name"] === o.metadata.name,
    );
    const hspec = hpa ? obj(hpa.object["spec"]) : {};
    const fixed = typeof spec["replicas"] === "number" ? spec["replicas"] : 1;
    const min = hpa ? (typeof hspec["minReplicas"] === "number" ? hspec["minReplicas"] : 1) : fixed;
    const max = hpa && typeof hspec["maxReplicas"] === "number" ? hspec["maxReplicas"] : min;
    out.push({ workload: describe(o), component, minReplicas: min, maxReplicas: max, perPod: podResources(obj(obj(spec["template"])["spec"])) });
  }
  return out;
}

export function sumTotals(workloads: readonly WorkloadTotals[], replicas: (w: WorkloadTotals) => number): Resources {
  const t = zero();
  for (const w of workloads) {
    const n = replicas(w);
    t.cpuRequests += n * w.perPod.cpuRequests;
    t.cpuLimits += n * w.perPod.cpuLimits;
    t.memoryRequests += n * w.perPod.memoryRequests;
    t.memoryLimits += n * w.perPod.memoryLimits;
  }
  return t;
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
  readonly totals: {
    atMinReplicas: { cpuRequests: string; cpuLimits: string; memoryRequests: string; memoryLimits: string };
    atMaxReplicas: { cpuRequests: string; cpuLimits: string; memoryRequests: string; memoryLimits: string };
  };
  readonly external: string[];
  readonly outputs: Record<string, unknown>;
  readonly files: string[];
}

function fmt(r: Resources) {
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
  const workloads = workloadTotals(args.objects);
  return {
    stack: args.stack,
    project: args.project,
    objectCount: args.objects.length,
    byKind: Object.fromEntries(Object.entries(byKind).sort(([a], [b]) => a.localeCompare(b))),
    byComponentAndKind: [...byCK.values()].sort((a, b) => a.component.localeCompare(b.component) || a.kind.localeCompare(b.kind)),
    helmReleases,
    otherResources,
    workloads,
    totals: { atMinReplicas: fmt(sumTotals(workloads, (w) => w.minReplicas)), atMaxReplicas: fmt(sumTotals(workloads, (w) => w.maxReplicas)) },
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
    lines.push(`| ${w.workload} | ${w.component} | ${w.minReplicas}–${w.maxReplicas} | ${fmtCpu(w.perPod.cpuRequests)} | ${fmtCpu(w.perPod.cpuLimits)} | ${fmtMem(w.perPod.memoryRequests)} | ${fmtMem(w.perPod.memoryLimits)} |`);
  }
  lines.push("", "| total | CPU requests | CPU limits | memory requests | memory limits |", "|---|---|---|---|---|");
  for (const [label, t] of [
    ["at minimum replicas", s.totals.atMinReplicas],
    ["at maximum replicas (HPA)", s.totals.atMaxReplicas],
  ] as const) {
    lines.push(`| ${label} | ${t.cpuRequests} | ${t.cpuLimits} | ${t.memoryRequests} | ${t.memoryLimits} |`);
  }
  lines.push("", "Helm releases and cluster add-ons are not included in the totals.", "", "## Provided outside this stack", "");
  if (s.external.length === 0) lines.push("nothing");
  else for (const e of s.external) lines.push(`- ${e}`);
  lines.push("", "## Stack outputs", "", "```json", JSON.stringify(s.outputs, null, 2), "```", "");
  return lines.join("\n");
}
