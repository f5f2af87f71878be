/** Turns recorded resources into Kubernetes objects, with secrets redacted and leaks reported. */
import { isSecretWrapped } from "@platform/components/testing";
import type { RecordedResource } from "./program";

export const REDACTED = "<redacted>";

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/** Readers of untyped JSON that never throw: a missing or mistyped value reads as empty. */
export const obj = (v: Json | undefined): JsonObject => (v !== null && typeof v === "object" && !Array.isArray(v) ? v : {});
export const arr = (v: Json | undefined): Json[] => (Array.isArray(v) ? v : []);
export const str = (v: Json | undefined): string | undefined => (typeof v === "string" ? v : undefined);

export interface K8sObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: JsonObject & { name: string; namespace?: string };
  readonly [key: string]: Json;
}

export interface Rendered {
  readonly object: K8sObject;
  readonly component: string;
  readonly resourceName: string;
}

/** Types that are Pulumi resources but not Kubernetes objects. */
const NOT_OBJECTS = new Set(["kubernetes:helm.sh/v3:Release", "kubernetes:helm.sh/v4:Chart", "kubernetes:yaml/v2:ConfigFile", "kubernetes:yaml/v2:ConfigGroup"]);

/** `kubernetes:apps/v1:Deployment` → apps/v1, Deployment; `kubernetes:core/v1:Service` → v1, Service. */
export function parseK8sType(type: string): { apiVersion: string; kind: string } | undefined {
  if (!type.startsWith("kubernetes:") || NOT_OBJECTS.has(type) || type.startsWith("pulumi:")) return undefined;
  const [, gv, kind] = type.split(":");
  if (!gv || !kind) return undefined;
  return { apiVersion: gv.startsWith("core/") ? gv.slice("core/".length) : gv, kind };
}

export interface Conversion {
  readonly objects: Rendered[];
  readonly others: RecordedResource[];
  readonly problems: string[];
}

function where(o: { kind: string; metadata: { name: string; namespace?: string } }): string {
  return `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ""}${o.metadata.name}`;
}

/** Replaces every string leaf with the redaction marker, keeping the shape. */
function redactAll(v: unknown): Json {
  if (Array.isArray(v)) return v.map(redactAll);
  if (v !== null && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, redactAll(x)]));
  return typeof v === "string" ? REDACTED : (v as Json);
}

/**
 * Unwraps Pulumi secrets. Inside a Secret's data/stringData they are redacted; anywhere else
 * (ConfigMaps, env literals, annotations, ...) a secret is a leak and is reported as a problem.
 */
function clean(v: unknown, path: string, inSecretData: boolean, report: (path: string) => void, secretValues: readonly string[]): Json {
  if (isSecretWrapped(v)) {
    if (!inSecretData) report(path);
    return redactAll(v.value);
  }
  if (Array.isArray(v)) return v.map((x, i) => clean(x, `${path}[${i}]`, inSecretData, report, secretValues));
  if (v !== null && typeof v === "object") {
    const out: JsonObject = {};
    for (const [k, x] of Object.entries(v)) out[k] = clean(x, path ? `${path}.${k}` : k, inSecretData, report, secretValues);
    return out;
  }
  if (typeof v === "string") {
    if (inSecretData) return REDACTED;
    if (secretValues.some((s) => v.includes(s))) {
      report(path);
      return REDACTED;
    }
  }
  return v as Json;
}

export function toObjects(resources: readonly RecordedResource[], secretValues: readonly string[]): Conversion {
  const objects: Rendered[] = [];
  const others: RecordedResource[] = [];
  const problems: string[] = [];
  for (const r of resources) {
    const t = r.custom ? parseK8sType(r.type) : undefined;
    if (!t) {
      // Custom resources that are not objects (Helm releases, images, passwords) and remote components (yaml/v2 ConfigFile).
      if (r.custom || r.type.startsWith("kubernetes:")) others.push(r);
      continue;
    }
    const body: JsonObject = {};
    const leaks: string[] = [];
    for (const [k, v] of Object.entries(r.inputs)) {
      if (k === "apiVersion" || k === "kind") continue;
      const secretData = t.kind === "Secret" && t.apiVersion === "v1" && (k === "data" || k === "stringData");
      body[k] = clean(v, k, secretData, (p) => leaks.push(p), secretValues);
    }
    const metadata = (body["metadata"] ?? {}) as JsonObject;
    const object = { apiVersion: t.apiVersion, kind: t.kind, ...body, metadata } as K8sObject;
    if (typeof metadata["name"] !== "string") problems.push(`${t.kind} (resource ${r.name}): metadata.name is missing`);
    for (const p of leaks) {
      problems.push(`${where(object)}: secret value at ${p}; secrets may only live in a Secret's data/stringData and reach pods through secretKeyRef`);
    }
    objects.push({ object, component: r.component, resourceName: r.name });
  }
  return { objects, others, problems };
}

export function describe(o: K8sObject): string {
  return where(o);
}
