/** Pulumi mock runtime for the component tests: records every registered resource. */
import * as pulumi from "@pulumi/pulumi";

export interface Registered {
  readonly type: string;
  readonly name: string;
  readonly inputs: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- mock inputs are untyped JSON
}

export const registered: Registered[] = [];
export const MOCK_PASSWORD = "mock-password-0123456789abcdef";

export function setupMocks(): void {
  pulumi.runtime.setMocks(
    {
      newResource(args: pulumi.runtime.MockResourceArgs) {
        registered.push({ type: args.type, name: args.name, inputs: args.inputs });
        const state: Record<string, unknown> = { ...args.inputs };
        if (args.type.startsWith("kubernetes:")) {
          const metadata = (args.inputs["metadata"] ?? {}) as Record<string, unknown>;
          state["metadata"] = { ...metadata, name: metadata["name"] ?? `${args.name}-mock` };
        }
        if (args.type === "random:index/randomPassword:RandomPassword") state["result"] = MOCK_PASSWORD;
        if (args.type === "docker:index/image:Image") state["repoDigest"] = `${String(args.inputs["imageName"]).split(":")[0]}@sha256:${"a".repeat(64)}`;
        return { id: `${args.name}-id`, state };
      },
      call(args: pulumi.runtime.MockCallArgs) {
        return args.inputs;
      },
    },
    "project",
    "test",
    false,
  );
}

/**
 * Waits until every pending registration has reached the mocks. Registrations inside `apply` callbacks start
 * only after earlier ones resolve, so wait until a round of RPCs adds nothing new.
 */
export async function settle(): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const settings = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> };
  let seen = -1;
  while (seen !== registered.length) {
    seen = registered.length;
    await settings.waitForRPCs();
    await new Promise((resolve) => setImmediate(resolve));
  }
}

export function resetRegistered(): void {
  registered.length = 0;
}

export function byType(type: string, namePrefix = ""): Registered[] {
  return registered.filter((r) => r.type === type && r.name.startsWith(namePrefix));
}

export function one(type: string, namePrefix = ""): Registered {
  const found = byType(type, namePrefix);
  if (found.length !== 1) throw new Error(`expected one ${type} named ${namePrefix}*, found ${found.length}`);
  return found[0] as Registered;
}

export function value<T>(o: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => o.apply((v) => resolve(v)));
}

/** Pulumi's wire signature of a secret value: secrets reach the mocks wrapped in it. */
export const SECRET_SIG = "4dabf18193072939515e22adb298388d";

/** Unwraps a value that reached the mocks as a secret; throws if it was not one. */
export function secretValue(v: unknown): unknown {
  if (typeof v === "object" && v !== null && SECRET_SIG in v && "value" in v) return (v as { value: unknown }).value;
  throw new Error(`expected a secret value, got ${JSON.stringify(v)}`);
}
