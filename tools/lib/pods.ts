/**
 * What the checks and the footprint know about pod-bearing kinds and label selectors, in one place: where each
 * kind keeps its pod template, the spec that owns it, and how a LabelSelector matches labels.
 */
import { type Json, type JsonObject, type K8sObject, arr, obj, str } from "./objects";

/** Where each pod-bearing kind keeps the spec that owns its pod template (a Pod is its own template). */
const CONTROLLER_SPEC: Readonly<Record<string, readonly string[]>> = {
  Deployment: ["spec"],
  StatefulSet: ["spec"],
  DaemonSet: ["spec"],
  ReplicaSet: ["spec"],
  Job: ["spec"],
  CronJob: ["spec", "jobTemplate", "spec"],
};

/** Kinds that run pods: the controllers above and Pod itself. */
export const POD_KINDS: ReadonlySet<string> = new Set([...Object.keys(CONTROLLER_SPEC), "Pod"]);

/** The spec that owns the pod template (`spec`, or a CronJob's `spec.jobTemplate.spec`); undefined for other kinds. */
export function controllerSpec(o: K8sObject): JsonObject | undefined {
  const path = CONTROLLER_SPEC[o.kind];
  return path ? path.reduce<JsonObject>((at, key) => obj(at[key]), o as unknown as JsonObject) : undefined;
}

/** The pod template (metadata and spec) of a pod-bearing object; undefined for other kinds. */
export function podTemplate(o: K8sObject): { metadata: JsonObject; spec: JsonObject } | undefined {
  if (o.kind === "Pod") return { metadata: o.metadata, spec: obj(o["spec"]) };
  const spec = controllerSpec(o);
  if (!spec) return undefined;
  const template = obj(spec["template"]);
  return { metadata: obj(template["metadata"]), spec: obj(template["spec"]) };
}

/** String entries of a label map. */
export const labelsOf = (v: Json | undefined): Record<string, string> =>
  Object.fromEntries(Object.entries(obj(v)).filter((e): e is [string, string] => typeof e[1] === "string"));

/** A metav1.LabelSelector (`matchLabels`, `matchExpressions`); a Service's plain map is `{ matchLabels: map }`. */
export type Selector = JsonObject;

export const isEmptySelector = (s: Selector): boolean => Object.keys(labelsOf(s["matchLabels"])).length === 0 && arr(s["matchExpressions"]).length === 0;

/** Whether a LabelSelector selects these labels (an empty selector selects everything). */
export function selects(selector: Selector, labels: Record<string, string>): boolean {
  if (!Object.entries(labelsOf(selector["matchLabels"])).every(([k, v]) => labels[k] === v)) return false;
  return arr(selector["matchExpressions"]).every((e) => {
    const { key, operator, values } = obj(e);
    const have = labels[str(key) ?? ""];
    const vs = arr(values);
    switch (str(operator)) {
      case "In":
        return have !== undefined && vs.includes(have);
      case "NotIn":
        return have === undefined || !vs.includes(have);
      case "Exists":
        return have !== undefined;
      case "DoesNotExist":
        return have === undefined;
      default:
        return false;
    }
  });
}

/** A selector as the messages show it: its matchLabels when that is all it has, else the whole selector. */
export function describeSelector(s: Selector): string {
  return arr(s["matchExpressions"]).length === 0 ? JSON.stringify(labelsOf(s["matchLabels"])) : JSON.stringify(s);
}
