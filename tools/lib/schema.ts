/**
 * Schema validation with kubernetes-models (and the CRD packages of SCHEMA_PACKAGES:
 * Gateway API, cert-manager, prometheus-operator), plus the unknown-field check kubernetes-models does not do: the
 * validator runs on a Proxy that records every property it looks at; any property
 * of an object the validator visited that it never looked at is not in the schema.
 */
import type { K8sObject } from "./objects";
import { arr, describe, obj, str } from "./objects";
import { podTemplate } from "./pods";

type ValidateFn = (this: unknown) => void;

const cache = new Map<string, ValidateFn | null>();

/**
 * The one registry of schemas: API group → the package whose `<apiVersion>/<kind>` module validates that group's
 * kinds. Adding a CRD package (installed with an exact version in tools/package.json) is one line here; groups not
 * listed are Kubernetes' own, from kubernetes-models.
 */
const SCHEMA_PACKAGES: readonly (readonly [group: RegExp, pkg: string])[] = [
  [/^gateway\.networking\.(x-)?k8s\.io$/, "@kubernetes-models/gateway-api"],
  [/(^|\.)cert-manager\.io$/, "@kubernetes-models/cert-manager"],
  [/^monitoring\.coreos\.com$/, "@kubernetes-models/prometheus-operator"],
];

function modelSpecifier(apiVersion: string, kind: string): string {
  const group = apiVersion.includes("/") ? (apiVersion.split("/")[0] ?? "") : "";
  const pkg = SCHEMA_PACKAGES.find(([g]) => g.test(group))?.[1] ?? "kubernetes-models";
  return `${pkg}/${apiVersion}/${kind}`;
}

async function validatorFor(apiVersion: string, kind: string): Promise<ValidateFn | null> {
  const key = `${apiVersion}/${kind}`;
  if (!cache.has(key)) {
    let fn: ValidateFn | null = null;
    try {
      const mod = (await import(modelSpecifier(apiVersion, kind))) as Record<string, { prototype?: { validate?: ValidateFn } }>;
      fn = mod[kind]?.prototype?.validate ?? null;
    } catch {
      fn = null;
    }
    cache.set(key, fn);
  }
  return cache.get(key) ?? null;
}

interface Tracked {
  readonly path: string;
  readonly seen: Set<string>;
}

/** Wraps `root` so that reads are recorded per visited object. */
function tracking(root: object): { proxy: object; visited: Map<object, Tracked> } {
  const visited = new Map<object, Tracked>();
  const proxies = new Map<object, object>();
  const wrap = (target: object, path: string): object => {
    const existing = proxies.get(target);
    if (existing) return existing;
    const t: Tracked = { path, seen: new Set() };
    visited.set(target, t);
    const p = new Proxy(target, {
      get(obj, prop, receiver) {
        const v = Reflect.get(obj, prop, receiver) as unknown;
        if (typeof prop !== "string") return v;
        t.seen.add(prop);
        if (v !== null && typeof v === "object") return wrap(v, Array.isArray(obj) ? `${path}[${prop}]` : path ? `${path}.${prop}` : prop);
        return v;
      },
    });
    proxies.set(target, p);
    return p;
  };
  return { proxy: wrap(root, ""), visited };
}

function unknownFields(visited: Map<object, Tracked>): string[] {
  const out: string[] = [];
  for (const [obj, t] of visited) {
    if (Array.isArray(obj)) continue;
    for (const key of Object.keys(obj)) {
      if (!t.seen.has(key)) out.push(t.path ? `${t.path}.${key}` : key);
    }
  }
  return out.sort();
}

function formatValidation(e: unknown): string[] {
  const errors = (e as { errors?: { instancePath?: string; message?: string; params?: unknown }[] }).errors;
  if (Array.isArray(errors) && errors.length > 0) {
    return errors.map((x) => `${x.instancePath || "/"} ${x.message ?? "is invalid"}${x.params ? ` ${JSON.stringify(x.params)}` : ""}`);
  }
  return [(e as Error).message];
}

/** Problems of one object: schema errors and unknown fields. Empty when valid. */
export async function validateObject(o: K8sObject): Promise<string[]> {
  const fn = await validatorFor(o.apiVersion, o.kind);
  if (!fn) return [`${describe(o)}: no schema known for ${o.apiVersion} ${o.kind}`];
  const { proxy, visited } = tracking(JSON.parse(JSON.stringify(o)) as object);
  const problems: string[] = [];
  try {
    fn.call(proxy);
  } catch (e) {
    for (const m of formatValidation(e)) problems.push(`${describe(o)}: schema: ${m}`);
  }
  for (const f of unknownFields(visited)) problems.push(`${describe(o)}: unknown field ${f} (not in the ${o.apiVersion} ${o.kind} schema)`);
  problems.push(...portNameProblems(o));
  return problems;
}

/**
 * A rule of the API server's Go validation that the OpenAPI schemas do not carry (found by the server-side dry
 * run, tools/e2e): a container port's name, which probes and NetworkPolicies may refer to, is an IANA service
 * name: at most 15 characters of a-z, 0-9 and "-", with a letter, no "-" at either end and no "--".
 */
const IANA_SERVICE_NAME = /^(?=.{1,15}$)(?=.*[a-z])[a-z0-9]+(-[a-z0-9]+)*$/;
function portNameProblems(o: K8sObject): string[] {
  const template = podTemplate(o);
  if (!template) return [];
  const containers = [...arr(template.spec["containers"]), ...arr(template.spec["initContainers"])].map(obj);
  return containers.flatMap((c) =>
    arr(c["ports"])
      .map((p) => str(obj(p)["name"]))
      .filter((name): name is string => name !== undefined && !IANA_SERVICE_NAME.test(name))
      .map((name) => `${describe(o)}: container ${str(c["name"]) ?? "?"} port name ${JSON.stringify(name)} is not an IANA service name (at most 15 characters of a-z, 0-9 and "-", with a letter)`),
  );
}
