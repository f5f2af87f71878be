/**
 * `@platform/components/testing`: the one Pulumi mock runtime of the project. The component tests, the
 * program test (infra/test) and the offline renderer (tools/) all run Pulumi code on it.
 *
 * - `setMocks(options)` installs Pulumi's mock runtime with deterministic results: Kubernetes objects without
 *   `metadata.name` get `<resource name>-<suffix>` (8 hex digits of a hash of stack, type and name unless a
 *   fixed suffix is given), `random:` resources a generated secret, Docker images a placeholder digest;
 * - `registered` is the registry of every resource the program registered (type, name, inputs, the state the
 *   mock returned, custom or component, explicit provider);
 * - `settle()` waits until a round of RPCs registers nothing new;
 * - `byType`/`one` look resources up, `value` reads an Output, `secretValue` unwraps a secret input.
 */
import * as crypto from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import { specialSecretSig, specialSigKey } from "@pulumi/pulumi/runtime/rpc";

export * from "./tools";

/** Key of Pulumi's special-signature marker: secrets reach the mocks as `{ [SIG_KEY]: SECRET_SIG, value }`. */
export const SIG_KEY = specialSigKey;
/** Value under SIG_KEY that marks a secret on Pulumi's wire. */
export const SECRET_SIG = specialSecretSig;
/** Generated secrets (random: results) look like this unless `randomResult` fixes them. */
export const GENERATED_SECRET_PATTERN = /mock-secret-[0-9a-f]{16}/;

export interface Registered {
  readonly type: string;
  readonly name: string;
  /** Inputs as the program sent them; secrets arrive wrapped (see `secretValue`). */
  readonly inputs: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- mock inputs are untyped JSON
  /** Outputs the mock answered with: the inputs plus generated names, secrets and digests. */
  readonly state: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- mock state is untyped JSON
  /** A custom resource (managed by a provider); false for a component. */
  readonly custom: boolean;
  /** The explicit provider reference (`urn::id`) when the resource was given one. */
  readonly provider?: string;
}

export interface MockOptions {
  /** @default "project" */
  readonly project?: string;
  /** @default "test" */
  readonly stack?: string;
  /** Config as the engine hands it to a program: full keys (`project:key`) to string values. @default {} */
  readonly config?: Readonly<Record<string, string>>;
  /** Full config keys whose values are secrets. @default [] */
  readonly secretKeys?: readonly string[];
  /** Fixed suffix of generated Kubernetes names (`<name>-<suffix>`). @default 8 hex digits of a hash of stack, type and name */
  readonly nameSuffix?: string;
  /** Result of every `random:` resource. @default `mock-secret-<16 hex digits of a hash of stack, type and name>` */
  readonly randomResult?: string;
  /** The 64 hex digits of every built image's digest. @default sha256 of `render:<stack>:<repository>` */
  readonly imageDigest?: string;
}

/** Every resource registered since the last `setMocks` or `resetRegistered`, in registration order. */
export const registered: Registered[] = [];
/** Every value the mocks generated for `random:` resources: a secret that must never show in plain text. */
export const generatedSecrets = new Set<string>();

export function hash8(...parts: string[]): string {
  return crypto.createHash("sha256").update(parts.join("\u0000")).digest("hex").slice(0, 8);
}

/** The name the mocks give a Kubernetes object that has no `metadata.name` (Pulumi's auto-naming, made deterministic). */
export function autoName(stack: string, type: string, name: string, suffix?: string): string {
  return `${name}-${suffix ?? hash8(stack, type, name)}`;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Installs the mock runtime (and the config) and empties the registry. */
export async function setMocks(options: MockOptions = {}): Promise<void> {
  const stack = options.stack ?? "test";
  resetRegistered();
  const mocks: pulumi.runtime.Mocks = {
    newResource(args: pulumi.runtime.MockResourceArgs) {
      const inputs = args.inputs as Record<string, unknown>;
      const state: Record<string, unknown> = { ...inputs };
      const metadata = inputs["metadata"];
      if (args.type.startsWith("kubernetes:") && (metadata === undefined || isRecord(metadata))) {
        state["metadata"] = { ...metadata, name: metadata?.["name"] ?? autoName(stack, args.type, args.name, options.nameSuffix) };
      }
      if (args.type.startsWith("random:index/random")) {
        const result = options.randomResult ?? `mock-secret-${hash8(stack, args.type, args.name)}${hash8(args.name, stack)}`;
        generatedSecrets.add(result);
        state["result"] = result;
      }
      if (args.type === "docker:index/image:Image") {
        const repo = String(inputs["imageName"] ?? "").replace(/:[^/:]+$/, "");
        state["repoDigest"] = `${repo}@sha256:${options.imageDigest ?? crypto.createHash("sha256").update(`render:${stack}:${repo}`).digest("hex")}`;
      }
      registered.push({ type: args.type, name: args.name, inputs, state, custom: args.custom ?? true, ...(args.provider ? { provider: args.provider } : {}) });
      return { id: `${args.name}-id`, state };
    },
    call(args: pulumi.runtime.MockCallArgs) {
      return args.inputs;
    },
  };
  pulumi.runtime.setAllConfig({ ...options.config }, [...(options.secretKeys ?? [])]);
  await pulumi.runtime.setMocks(mocks, options.project ?? "project", stack, false);
}

export function resetRegistered(): void {
  registered.length = 0;
  generatedSecrets.clear();
}

/**
 * Waits until every pending registration has reached the mocks. Registrations inside `apply` callbacks start
 * only after earlier ones resolve, so it waits until a round of RPCs registers nothing new.
 */
export async function settle(maxRounds = 1000): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const settings = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> };
  let seen = -1;
  for (let round = 0; seen !== registered.length; round++) {
    if (round === maxRounds) throw new Error(`settle: resources were still being registered after ${maxRounds} rounds (${registered.length} so far)`);
    seen = registered.length;
    await settings.waitForRPCs();
    await new Promise((resolve) => setImmediate(resolve));
  }
}

export function byType(type: string, namePrefix = ""): Registered[] {
  return registered.filter((r) => r.type === type && r.name.startsWith(namePrefix));
}

export function one(type: string, namePrefix = ""): Registered {
  const found = byType(type, namePrefix);
  if (found.length !== 1) throw new Error(`expected one ${type} named ${namePrefix}*, found ${found.length}`);
  return found[0] as Registered;
}

/** The value of an Output (resolved by the mocks). */
export function value<T>(o: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => o.apply((v) => resolve(v)));
}

/** Whether an input reached the mocks as a secret. */
export function isSecretWrapped(v: unknown): v is { value: unknown } {
  return isRecord(v) && v[SIG_KEY] === SECRET_SIG;
}

/** Unwraps a value that reached the mocks as a secret; throws if it was not one. */
export function secretValue(v: unknown): unknown {
  if (isSecretWrapped(v)) return v.value;
  throw new Error(`expected a secret value, got ${JSON.stringify(v)}`);
}
export * from "./logql";
export * from "./net";
export * from "./promql";
export * from "./wait";
