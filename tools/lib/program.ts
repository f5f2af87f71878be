/**
 * Runs the real infra/ program under the project's Pulumi mock runtime (`@platform/components/testing`) and
 * records what it registers. Names Pulumi would auto-generate are deterministic there:
 * `<resource name>-<8 hex of a hash of stack, type and name>`.
 */
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { type Registered, generatedSecrets, registered, setMocks, settle, value } from "@platform/components/testing";
import { RenderError, type StackConfig } from "./config";

export interface RecordedResource {
  readonly type: string;
  readonly name: string;
  readonly custom: boolean;
  /** Inputs as the provider would send them: a generated metadata.name filled in. */
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

/**
 * What the mock runtime registered, as the renderer records it: Kubernetes inputs with the generated metadata.name
 * the provider would send, each resource grouped under its top-level component (the shortest component name
 * that prefixes it, by the `${name}-<role>` convention).
 */
export function recordedResources(from: readonly Registered[]): RecordedResource[] {
  const resources: RecordedResource[] = from.map((r) => {
    const metadata = r.inputs["metadata"] as unknown;
    const named = r.type.startsWith("kubernetes:") && typeof metadata === "object" && metadata !== null;
    return { type: r.type, name: r.name, custom: r.custom, inputs: named ? { ...r.inputs, metadata: r.state["metadata"] } : r.inputs, component: r.name };
  });
  const tops = resources.filter((r) => !r.custom).map((r) => r.name);
  for (const r of resources) {
    const owner = tops.filter((t) => r.name === t || r.name.startsWith(`${t}-`)).sort((a, b) => a.length - b.length)[0];
    r.component = owner ?? r.name;
  }
  return resources;
}

function describeError(e: unknown): string {
  if (e instanceof Error) {
    // SettingsError and ArgumentError carry a complete message; anything else gets its stack for the bug report.
    return e.name === "SettingsError" || e.name === "ArgumentError" ? e.message : (e.stack ?? e.message);
  }
  return String(e);
}

export async function runProgram(root: string, stack: string, config: StackConfig): Promise<ProgramRun> {
  const errors: unknown[] = [];
  const onRejection = (e: unknown) => errors.push(e);
  process.on("unhandledRejection", onRejection);
  await setMocks({ project: config.project, stack, config: config.values, secretKeys: config.secretKeys });

  const cwd = process.cwd();
  process.chdir(root);
  let exported: Record<string, unknown> = {};
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    exported = require(path.join(root, "infra", "index.ts")) as Record<string, unknown>;
    await settle();
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

  const resources = recordedResources(registered);
  const outputs: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(exported).sort(([a], [b]) => a.localeCompare(b))) {
    if (pulumi.Output.isInstance(v)) {
      const out = v as pulumi.Output<unknown>;
      outputs[key] = (await pulumi.isSecret(out)) ? "<redacted>" : await value(out);
    } else if (typeof v !== "function") {
      outputs[key] = v;
    }
  }
  return { resources, outputs, secretValues: [...config.secretPlaceholders, ...generatedSecrets] };
}
