import { describe, expect, it } from "vitest";
import { type RenderedObject, compareStored, compareWithRender, generatedNames, missingOrDifferent, renamed, stateResources } from "../e2e/stored";

const config: RenderedObject = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "app-config-99a0d71a", namespace: "ns" }, data: { LOG_LEVEL: "info" } };
const deployment: RenderedObject = {
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "notes", namespace: "ns" },
  spec: { replicas: 2, template: { spec: { containers: [{ name: "app", envFrom: [{ configMapRef: { name: "app-config-99a0d71a" } }], resources: { limits: { cpu: "0.5", memory: "1024Mi" } } }] } } },
};
const secret: RenderedObject = { apiVersion: "v1", kind: "Secret", metadata: { name: "pw-5fa97049", namespace: "ns" }, stringData: { password: "<redacted>", user: "notes" }, type: "Opaque" };

/** A `pulumi stack export` document with these Kubernetes resources (and a component, which is skipped). */
function exported(...resources: { logical: string; kind: string; name: string; namespace?: string }[]): unknown {
  return {
    deployment: {
      resources: [
        { urn: "urn:pulumi:dev::p::platform:App::app", type: "platform:App", custom: false },
        ...resources.map((r) => ({ urn: `urn:pulumi:dev::p::platform:App$kubernetes:core/v1:${r.kind}::${r.logical}`, type: `kubernetes:core/v1:${r.kind}`, custom: true, outputs: { kind: r.kind, metadata: { name: r.name, namespace: r.namespace } } })),
      ],
    },
  };
}

const state = stateResources(
  exported({ logical: "app-config", kind: "ConfigMap", name: "app-config-x7k2mq9p", namespace: "ns" }, { logical: "app-deployment", kind: "Deployment", name: "notes", namespace: "ns" }, { logical: "pw", kind: "Secret", name: "pw-abcdefgh", namespace: "ns" }),
);

/** What the API server returns: the applied object, with defaults, canonical quantities and server fields. */
const storedDeployment = {
  ...deployment,
  metadata: { name: "notes", namespace: "ns", uid: "u", annotations: { "pulumi.com/autonamed": "false" } },
  spec: {
    replicas: 2,
    progressDeadlineSeconds: 600,
    template: { spec: { containers: [{ name: "app", imagePullPolicy: "IfNotPresent", envFrom: [{ configMapRef: { name: "app-config-x7k2mq9p" } }], resources: { limits: { cpu: "500m", memory: "1Gi" } } }] } },
  },
  status: {},
};

describe("the stored objects against the render", () => {
  it("reads the Kubernetes resources of a stack export, not its components", () => {
    expect(state).toEqual([
      { logicalName: "app-config", kind: "ConfigMap", name: "app-config-x7k2mq9p", namespace: "ns" },
      { logicalName: "app-deployment", kind: "Deployment", name: "notes", namespace: "ns" },
      { logicalName: "pw", kind: "Secret", name: "pw-abcdefgh", namespace: "ns" },
    ]);
  });

  it("maps the render's generated names to the provider's, in names and in references", () => {
    const names = generatedNames([config, deployment, secret], state);
    expect([...names]).toEqual([
      ["app-config-99a0d71a", "app-config-x7k2mq9p"],
      ["pw-5fa97049", "pw-abcdefgh"],
    ]);
    expect(renamed(deployment, names)).toMatchObject({ spec: { template: { spec: { containers: [{ envFrom: [{ configMapRef: { name: "app-config-x7k2mq9p" } }] }] } } } });
  });

  it("accepts server defaults and canonical quantities, and names each field that differs", () => {
    const names = generatedNames([config, deployment], state);
    expect(compareStored(renamed(deployment, names), storedDeployment)).toEqual([]);
    const scaled = { ...storedDeployment, spec: { ...storedDeployment.spec, replicas: 3 } };
    expect(compareStored(renamed(deployment, names), scaled)).toEqual(["spec.replicas: rendered 2, stored 3"]);
    expect(missingOrDifferent({ a: [1, 2] }, { a: [1] })).toEqual(["a: expected 2 items, stored 1"]);
    expect(missingOrDifferent({ cpu: "0.5" }, { cpu: "400m" })).toEqual(['cpu: rendered "0.5", stored "400m"']);
    expect(compareStored(deployment, undefined)).toEqual(["not stored"]);
  });

  it("takes an empty list or map as the absent field the server stores, and checksums as digests", () => {
    const policy = { spec: { policyTypes: ["Ingress"], ingress: [], podSelector: { matchLabels: {} } } };
    expect(missingOrDifferent(policy, { spec: { policyTypes: ["Ingress"], podSelector: {} } })).toEqual([]);
    expect(missingOrDifferent(policy, { spec: { policyTypes: ["Ingress"], ingress: [{ from: [] }], podSelector: {} } })).toEqual(["spec.ingress: expected 0 items, stored 1"]);
    const pod = (checksum: string) => ({ spec: { template: { metadata: { annotations: { "checksum/config": checksum } } } } });
    expect(missingOrDifferent(pod("a".repeat(64)), pod("b".repeat(64)))).toEqual([]);
    expect(missingOrDifferent(pod("a".repeat(64)), pod("changed"))).toEqual([`spec.template.metadata.annotations.checksum/config: rendered "${"a".repeat(64)}", stored "changed" (both must be SHA-256 digests)`]);
  });

  it("compares a Secret's data: base64 values where the render has them, keys where it redacts them", () => {
    const stored = { ...secret, stringData: undefined, data: { password: Buffer.from("s3cret").toString("base64"), user: Buffer.from("notes").toString("base64") } };
    expect(compareStored(secret, stored)).toEqual([]);
    expect(compareStored(secret, { ...stored, data: { user: Buffer.from("other").toString("base64") } })).toEqual([
      `data.user: rendered "${Buffer.from("notes").toString("base64")}", stored "${Buffer.from("other").toString("base64")}"`,
      "data.password: rendered (redacted), not stored",
    ]);
  });

  it("reports objects missing on the server and objects the engine created beyond the render", async () => {
    const server = new Map<string, Record<string, unknown>>([["notes", storedDeployment]]);
    const result = await compareWithRender([config, deployment], state, async (o) => server.get(o.metadata.name));
    expect(result.compared).toBe(2);
    expect(result.problems).toEqual(["ConfigMap ns/app-config-x7k2mq9p: not stored", "Secret ns/pw-abcdefgh (pw): created by the engine, not in the render"]);
  });
});
