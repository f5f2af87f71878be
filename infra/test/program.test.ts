/** The program under the mock runtime: fails before registering anything on bad config, exports no secret. */
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { beforeEach, describe, expect, it, vi } from "vitest";

const registered: { type: string; name: string }[] = [];

function setup(stack: string, config: Record<string, string>) {
  registered.length = 0;
  pulumi.runtime.setMocks(
    {
      newResource(args) {
        registered.push({ type: args.type, name: args.name });
        const state: Record<string, unknown> = { ...args.inputs };
        if (args.type.startsWith("kubernetes:")) {
          const m = (args.inputs["metadata"] ?? {}) as Record<string, unknown>;
          state["metadata"] = { ...m, name: m["name"] ?? `${args.name}-abcd1234` };
        }
        if (args.type === "random:index/randomPassword:RandomPassword") state["result"] = "mock-secret-value";
        if (args.type === "docker:index/image:Image") state["repoDigest"] = `repo@sha256:${"c".repeat(64)}`;
        return { id: `${args.name}-id`, state };
      },
      call: (args) => args.inputs,
    },
    "node-service-platform",
    stack,
    false,
  );
  pulumi.runtime.setAllConfig(Object.fromEntries(Object.entries(config).map(([k, v]) => [`node-service-platform:${k}`, v])));
}

async function settle() {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const settings = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> };
  let last = -1;
  while (registered.length !== last) {
    last = registered.length;
    await settings.waitForRPCs();
    await new Promise((r) => setImmediate(r));
  }
}

const program = path.resolve(__dirname, "..", "index.ts");

beforeEach(() => {
  vi.resetModules();
});

describe("infra program", () => {
  it("fails on invalid config before any resource is registered", async () => {
    setup("prod", { minReplicas: "zero", redisMode: "cluster" });
    await expect(import(program)).rejects.toThrow(/invalid configuration for stack "prod" \(\d+ problems\):[\s\S]*minReplicas = "zero"[\s\S]*redisMode = "cluster"[\s\S]*hostname = \(unset\): required/);
    await settle();
    expect(registered).toEqual([]);
  });

  it("exports names and addresses, never a secret", async () => {
    setup("dev", {});
    const outputs = (await import(program)) as Record<string, unknown>;
    await settle();
    const values: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(outputs)) {
      if (!pulumi.Output.isInstance(v)) {
        values[k] = v;
        continue;
      }
      expect(await pulumi.isSecret(v as pulumi.Output<unknown>), k).toBe(false);
      values[k] = await new Promise((r) => (v as pulumi.Output<unknown>).apply(r));
    }
    expect(values).toMatchObject({
      environment: "dev",
      url: "https://notes.localtest.me",
      namespaceName: "notes-dev",
      imageRef: `repo@sha256:${"c".repeat(64)}`,
      redisHost: "redis-client-abcd1234.notes-dev.svc",
      redisPasswordSecretName: "redis-password-abcd1234",
    });
    expect(JSON.stringify(values)).not.toContain("mock-secret-value");
    const types = new Set(registered.map((r) => r.type));
    for (const t of ["platform:cluster:ClusterAddons", "platform:edge:TlsIssuer", "platform:image:AppImage", "platform:data:Redis", "platform:workload:AppService", "platform:edge:Edge"]) {
      expect(types.has(t), t).toBe(true);
    }
  });
});
