/**
 * The objects the API server stored after `pulumi up`, compared with the offline render of the same config.
 *
 * The render is a promise about what `pulumi up` creates; this checks it field by field. Every field the render
 * sets must be stored with the same value; fields only the server has (its defaults, status, uid, managedFields,
 * the provider's annotations) are not compared. Two things differ by design and are mapped, not ignored:
 * - auto-generated names: the mock runtime appends a hash (`app-config-99a0d71a`), the provider a random suffix;
 *   the state says which real name each logical resource got, and every reference to it is renamed to match;
 * - Secrets: the render writes `stringData` with secret values `<redacted>`; the server stores `data` in base64.
 *   The keys must match, and the values that are not redacted too;
 * - `checksum/*` pod annotations: hashes of the config they roll the pods on, which holds generated names (a
 *   Service's in REDIS_URL, for one), so both must be SHA-256 digests, not the same one. Whether they move when
 *   they should is the e2e's config-change check, and that they stay put, its second `up`.
 * Two server habits are equivalences, not differences: an empty list or map is not stored (Go's omitempty:
 * `ingress: []` under `policyTypes: [Ingress]` is stored as no `ingress`, with the same meaning), and
 * quantities are stored in canonical form ("0.5" → "500m").
 */
import type { ObjectRef } from "./kube-api";

export type RenderedObject = ObjectRef & Record<string, unknown>;

/** One Kubernetes resource of `pulumi stack export`: its logical name and the live object's identity. */
export interface StateResource {
  readonly logicalName: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string;
}

const REDACTED = "<redacted>";
const identity = (kind: string, namespace: string | undefined, name: string) => `${kind} ${namespace ? `${namespace}/` : ""}${name}`;
export const describeObject = (o: ObjectRef): string => identity(o.kind, o.metadata.namespace, o.metadata.name);

/** The Kubernetes resources of a `pulumi stack export` document. */
export function stateResources(exported: unknown): StateResource[] {
  type Exported = { deployment?: { resources?: { urn: string; type: string; custom?: boolean; outputs?: Record<string, unknown> }[] } };
  const resources = (exported as Exported).deployment?.resources ?? [];
  const out: StateResource[] = [];
  for (const r of resources) {
    if (!r.custom || !r.type.startsWith("kubernetes:") || r.type.startsWith("kubernetes:helm") || r.type.startsWith("kubernetes:yaml")) continue;
    const metadata = r.outputs?.["metadata"] as { name?: string; namespace?: string } | undefined;
    const kind = r.outputs?.["kind"];
    if (!metadata?.name || typeof kind !== "string") continue;
    out.push({ logicalName: r.urn.split("::").pop() as string, kind, name: metadata.name, namespace: metadata.namespace || undefined });
  }
  return out;
}

/**
 * Rendered auto-generated name → the name the provider gave, for every object whose render name is its logical
 * name plus the mock runtime's hash. Throws when a rendered object has no resource in the state.
 */
export function generatedNames(rendered: readonly RenderedObject[], state: readonly StateResource[]): Map<string, string> {
  const names = new Map<string, string>();
  for (const o of rendered) {
    const m = /^(.+)-[0-9a-f]{8}$/.exec(o.metadata.name);
    if (!m) continue;
    const real = state.find((s) => s.logicalName === m[1] && s.kind === o.kind && s.namespace === o.metadata.namespace);
    if (real) names.set(o.metadata.name, real.name);
  }
  return names;
}

/** The rendered object with every generated name replaced by the real one (in its name and in every reference). */
export function renamed(o: RenderedObject, names: ReadonlyMap<string, string>): RenderedObject {
  let text = JSON.stringify(o);
  // Longest first, so no name is replaced inside a longer one; the hashes make collisions impossible otherwise.
  for (const [from, to] of [...names].sort(([a], [b]) => b.length - a.length)) text = text.split(from).join(to);
  return JSON.parse(text) as RenderedObject;
}

/** The render's Secret as the server stores it: stringData as base64 data, redacted values left out. */
function asStored(o: RenderedObject): { expected: Record<string, unknown>; redactedKeys: string[] } {
  if (o.kind !== "Secret" || !o["stringData"]) return { expected: o, redactedKeys: [] };
  const { stringData, ...rest } = o as RenderedObject & { stringData: Record<string, string> };
  const data: Record<string, string> = { ...((rest["data"] as Record<string, string> | undefined) ?? {}) };
  const redactedKeys: string[] = [];
  for (const [k, v] of Object.entries(stringData)) {
    if (v === REDACTED) redactedKeys.push(k);
    else data[k] = Buffer.from(v, "utf8").toString("base64");
  }
  return { expected: { ...rest, data }, redactedKeys };
}

/** Kubernetes quantities the server writes in canonical form ("0.5" → "500m", "1024Mi" → "1Gi"). */
function sameQuantity(a: string, b: string): boolean {
  const units: Record<string, number> = { m: 1e-3, "": 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40 };
  const parse = (q: string) => {
    const m = /^([0-9.]+)(m|k|M|G|T|Ki|Mi|Gi|Ti)?$/.exec(q);
    return m ? Number(m[1]) * (units[m[2] ?? ""] as number) : Number.NaN;
  };
  const x = parse(a);
  return !Number.isNaN(x) && Math.abs(x - parse(b)) < 1e-9 * Math.max(1, Math.abs(x));
}

/** Every field of `expected` must be in `actual` with the same value; returns the paths that differ. */
export function missingOrDifferent(expected: unknown, actual: unknown, at = ""): string[] {
  if (expected === null || expected === undefined) return [];
  const empty = Array.isArray(expected) ? expected.length === 0 : typeof expected === "object" && Object.keys(expected).length === 0;
  if (empty && actual === undefined) return [];
  if (/\.annotations\.checksum\/[^.]+$/.test(at)) {
    const digest = /^[0-9a-f]{64}$/;
    return typeof expected === "string" && digest.test(expected) && typeof actual === "string" && digest.test(actual) ? [] : [`${at}: rendered ${JSON.stringify(expected)}, stored ${JSON.stringify(actual)} (both must be SHA-256 digests)`];
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return [`${at}: expected a list, stored ${JSON.stringify(actual)}`];
    if (actual.length !== expected.length) return [`${at}: expected ${expected.length} items, stored ${actual.length}`];
    return expected.flatMap((e, i) => missingOrDifferent(e, actual[i], `${at}[${i}]`));
  }
  if (typeof expected === "object") {
    if (actual === null || typeof actual !== "object" || Array.isArray(actual)) return [`${at}: expected an object, stored ${JSON.stringify(actual)}`];
    return Object.entries(expected as Record<string, unknown>).flatMap(([k, v]) => missingOrDifferent(v, (actual as Record<string, unknown>)[k], at ? `${at}.${k}` : k));
  }
  if (expected === actual) return [];
  if (typeof expected === "string" && typeof actual === "string" && sameQuantity(expected, actual)) return [];
  return [`${at}: rendered ${JSON.stringify(expected)}, stored ${JSON.stringify(actual)}`];
}

/** The differences between one rendered object (already renamed) and the object the server stored. */
export function compareStored(rendered: RenderedObject, stored: Record<string, unknown> | undefined): string[] {
  if (!stored) return ["not stored"];
  const { expected, redactedKeys } = asStored(rendered);
  const problems = missingOrDifferent(expected, stored);
  const data = (stored["data"] as Record<string, unknown> | undefined) ?? {};
  for (const k of redactedKeys) if (!(k in data)) problems.push(`data.${k}: rendered (redacted), not stored`);
  return problems;
}

/**
 * The whole check for one stack: every rendered object stored as rendered, and nothing in the state that the
 * render does not have. `get` reads an object from the API server (undefined when it is not there).
 */
export async function compareWithRender(
  rendered: readonly RenderedObject[],
  state: readonly StateResource[],
  get: (o: RenderedObject) => Promise<Record<string, unknown> | undefined>,
): Promise<{ compared: number; problems: string[] }> {
  const names = generatedNames(rendered, state);
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const original of rendered) {
    const o = renamed(original, names);
    seen.add(describeObject(o));
    for (const p of compareStored(o, await get(o))) problems.push(`${describeObject(o)}: ${p}`);
  }
  for (const s of state) {
    const id = identity(s.kind, s.namespace, s.name);
    if (!seen.has(id)) problems.push(`${id} (${s.logicalName}): created by the engine, not in the render`);
  }
  return { compared: rendered.length, problems };
}
