/** The program under the mock runtime: fails before registering anything on bad config, exports no secret. */
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { autoName, registered, setMocks, settle, value } from "@platform/components/testing";
import { beforeEach, describe, expect, it, vi } from "vitest";

const PROJECT = "node-service-platform";

function setup(stack: string, config: Record<string, string>) {
  return setMocks({
    project: PROJECT,
    stack,
    config: Object.fromEntries(Object.entries(config).map(([k, v]) => [`${PROJECT}:${k}`, v])),
    randomResult: "mock-secret-value",
    imageDigest: "c".repeat(64),
  });
}

const program = path.resolve(__dirname, "..", "index.ts");

beforeEach(() => {
  vi.resetModules();
});

describe("infra program", () => {
  it("fails on invalid config before any resource is registered", async () => {
    await setup("prod", { minReplicas: "zero", redisMode: "cluster" });
    await expect(import(program)).rejects.toThrow(/invalid configuration for stack "prod" \(\d+ problems\):[\s\S]*minReplicas = "zero"[\s\S]*redisMode = "cluster"[\s\S]*hostname = \(unset\): required/);
    await settle();
    expect(registered).toEqual([]);
  });

  it("exports names and addresses, never a secret", async () => {
    await setup("dev", {});
    const outputs = (await import(program)) as Record<string, unknown>;
    await settle();
    const values: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(outputs)) {
      if (!pulumi.Output.isInstance(v)) {
        values[k] = v;
        continue;
      }
      expect(await pulumi.isSecret(v as pulumi.Output<unknown>), k).toBe(false);
      values[k] = await value(v as pulumi.Output<unknown>);
    }
    expect(values).toMatchObject({
      environment: "dev",
      url: "https://notes.localtest.me",
      namespaceName: "notes-dev",
      imageRef: `localhost:5001/notes@sha256:${"c".repeat(64)}`,
      redisHost: `${autoName("dev", "kubernetes:core/v1:Service", "redis-client")}.notes-dev.svc`,
      redisPasswordSecretName: autoName("dev", "kubernetes:core/v1:Secret", "redis-password"),
    });
    expect(JSON.stringify(values)).not.toContain("mock-secret-value");
    const types = new Set(registered.map((r) => r.type));
    for (const t of ["platform:cluster:ClusterAddons", "platform:edge:TlsIssuer", "platform:image:AppImage", "platform:data:Redis", "platform:workload:AppService", "platform:edge:Edge"]) {
      expect(types.has(t), t).toBe(true);
    }
  });
});
