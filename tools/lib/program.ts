/**
 * Runs the real infra/ program under Pulumi's mock runtime and records what it registers.
 * Pulumi's auto-naming is emulated deterministically: `<resource name>-<8 hex of a hash of stack, type and name>`.
 */
import * as crypto from "node:crypto";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { RenderError, type StackConfig } from "./config";

/** Value under SIG_KEY that marks a secret on Pulumi's wire. */
export const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
/** Pulumi's special-signature key. */
const SIG_KEY = "4dabf18193072939515e22adb298388d";

export interface RecordedResource {
  readonly type: string;
  readonly name: string;
  readonly custom: boolean;
  readonly inputs: Record<string, unknown>;
  /** Top-level component (or resource) this one belongs to, by the `${name}-<role>` convention. */
  component: string;
}

export interface ProgramRun {
  readonly resources: RecordedResource[];
  /** Stack outputs, secret ones redacted. */
  readonly outputs: Record<string, unknown>;
  /** Values that stand for secrets (generated passwords, config secrets). */
  readonly secretValues: string[];
}

export function hash8(...parts: string[]): string {
  return crypto.createHash("sha256").update(parts.join("\u0000")).digest("hex").slice(0, 8);
}

export function isSecretWrapped(v: unknown): v is { value: unknown } {
  return typeof v === "object" && v !== null && (v as Record<string, unknown>)[SIG_KEY] === SECRET_SIG;
}

async function settle(count: () => number): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const settings = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> };
  let last = -1;
  for (let i = 0; i < 200; i++) {
    await settings.waitForRPCs();
    await new Promise((r) => setImmediate(r));
    const now = count();
    if (now === last) return;
    last = now;
  }
}

function describeError(e: unknown): string {
  if (e instanceof Error) {
    // SettingsError and ArgumentError carry a complete message; anything else gets its stack for the bug report.
    return e.name === "SettingsError" || e.name === "ArgumentError" ? e.message : (e.stack ?? e.message);
  }
  return String(e);
}

export async function runProgram(root: string, stack: string, config: StackConfig): Promise<ProgramRun> {
  const resources: RecordedResource[] = [];
  const secretValues = new Set<string>(config.secretPlaceholders);
  const errors: unknown[] = [];
  const onRejection = (e: unknown) => errors.push(e);
  process.on("unhandledRejection", onRejection);

  await pulumi.runtime.setMocks(
    {
      newResource(args: pulumi.runtime.MockResourceArgs) {
        const inputs = { ...args.inputs };
        resources.push({ type: args.type, name: args.name, custom: args.custom ?? true, inputs, component: args.name });
        const state: Record<string, unknown> = { ...inputs };
        if (args.type.startsWith("kubernetes:") && typeof inputs["metadata"] === "object") {
          const metadata = { ...(inputs["metadata"] as Record<string, unknown>) };
          if (metadata["name"] === undefined) {
            metadata["name"] = `${args.name}-${hash8(stack, args.type, args.name)}`;
            inputs["metadata"] = metadata; // what the provider would send to the cluster
          }
          state["metadata"] = metadata;
        }
        if (args.type.startsWith("random:index/random")) {
          const v = `render-secret-${hash8(stack, args.type, args.name)}${hash8(args.name, stack)}`;
          secretValues.add(v);
          state["result"] = v;
        }
        if (args.type === "docker:index/image:Image") {
          const repo = String(inputs["imageName"] ?? "").replace(/:[^/:]+$/, "");
          state["repoDigest"] = `${repo}@sha256:${crypto.createHash("sha256").update(`render:${stack}:${repo}`).digest("hex")}`;
        }
        return { id: `${args.name}-id`, state };
      },
      call(args: pulumi.runtime.MockCallArgs) {
        return args.inputs;
      },
    },
    config.project,
    stack,
    false,
  );
  pulumi.runtime.setAllConfig(config.values, config.secretKeys);

  const cwd = process.cwd();
  process.chdir(root);
  let exported: Record<string, unknown> = {};
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    exported = require(path.join(root, "infra", "index.ts")) as Record<string, unknown>;
    await settle(() => resources.length);
  } catch (e) {
    errors.push(e);
  } finally {
    process.chdir(cwd);
  }
  process.off("unhandledRejection", onRejection);
  if (errors.length > 0) {
    const first = errors[0];
    const name = first instanceof Error ? first.name : "";
    const kind = name === "SettingsError" ? "configuration error" : name === "ArgumentError" ? "invalid component arguments" : "the program failed";
    throw new RenderError(`${kind}:\n${errors.map(describeError).join("\n")}`, 1);
  }

  // Group every resource under its top-level component: the longest component name that prefixes it.
  const tops = resources.filter((r) => !r.custom).map((r) => r.name);
  for (const r of resources) {
    const owner = tops.filter((t) => r.name === t || r.name.startsWith(`${t}-`)).sort((a, b) => a.length - b.length)[0];
    r.component = owner ?? r.name;
  }

  const outputs: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(exported).sort(([a], [b]) => a.localeCompare(b))) {
    if (pulumi.Output.isInstance(v)) {
      const out = v as pulumi.Output<unknown>;
      const secret = await pulumi.isSecret(out);
      const value = await new Promise<unknown>((resolve) => out.apply((x) => resolve(x)));
      outputs[key] = secret ? "<redacted>" : value;
    } else if (typeof v !== "function") {
      outputs[key] = v;
    }
  }
  return { resources, outputs, secretValues: [...secretValues] };
}
