import { describe, expect, it } from "vitest";
import { type AppServiceArgs, resolveAppServiceArgs } from "../app-service/args";
import { configChecksum, configMapData, deploymentSpec, egressRules, hpaSpec, networkPolicySpec, secretEnv } from "../app-service/spec";

// The spec builders are pure: no Pulumi runtime, plain values in and out.
const base: AppServiceArgs = { image: "ghcr.io/acme/notes@sha256:" + "b".repeat(64) };
const refs = { image: base.image, labels: { app: "notes" }, configMapName: "cm", checksum: "c0ffee", serviceAccountName: "sa", env: [] };

describe("deploymentSpec", () => {
  it("leaves replicas to the HPA when autoscaling", () => {
    const spec = deploymentSpec(resolveAppServiceArgs("api", { ...base, minReplicas: 2, maxReplicas: 5 }), refs);
    expect(spec.replicas).toBe(undefined);
  });

  it("fixes replicas at minReplicas when min equals max", () => {
    expect(deploymentSpec(resolveAppServiceArgs("api", { ...base, minReplicas: 3, maxReplicas: 3 }), refs).replicas).toBe(3);
  });

  it("gives the kubelet the drain delay plus the grace period plus 5 s before SIGKILL", () => {
    const r = resolveAppServiceArgs("api", { ...base, shutdownDrainDelayMs: 10_000, shutdownGraceMs: 45_500 });
    expect(r.terminationGracePeriodSeconds).toBe(61); // ceil(55.5) + 5
    expect(deploymentSpec(r, refs)).toMatchObject({ template: { spec: { terminationGracePeriodSeconds: 61 } } });
  });

  it("wires the sibling names, the checksum and the env it is given", () => {
    const env = [{ name: "API_KEY", valueFrom: { secretKeyRef: { name: "s", key: "k" } } }];
    const spec = deploymentSpec(resolveAppServiceArgs("api", { ...base, port: 9000, metricsPort: 9100 }), { ...refs, env });
    expect(spec).toMatchObject({
      template: {
        metadata: { labels: { app: "notes" }, annotations: { "checksum/config": "c0ffee", "prometheus.io/port": "9100" } },
        spec: {
          serviceAccountName: "sa",
          containers: [
            {
              image: base.image,
              envFrom: [{ configMapRef: { name: "cm" } }],
              env,
              ports: [
                { name: "http", containerPort: 9000, protocol: "TCP" },
                { name: "metrics", containerPort: 9100, protocol: "TCP" },
              ],
            },
          ],
        },
      },
    });
  });
});

describe("hpaSpec", () => {
  it("targets the Deployment by name with the resolved bounds and utilisation targets", () => {
    const spec = hpaSpec(resolveAppServiceArgs("api", { ...base, minReplicas: 2, maxReplicas: 8, cpuTargetPercent: 60, memoryTargetPercent: 75 }), "api-deployment-x");
    expect(spec.scaleTargetRef).toEqual({ apiVersion: "apps/v1", kind: "Deployment", name: "api-deployment-x" });
    expect([spec.minReplicas, spec.maxReplicas]).toEqual([2, 8]);
    expect(spec.metrics).toEqual([
      { type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 60 } } },
      { type: "Resource", resource: { name: "memory", target: { type: "Utilization", averageUtilization: 75 } } },
    ]);
  });
});

describe("egressRules / networkPolicySpec", () => {
  const ports = (args: AppServiceArgs) => egressRules(resolveAppServiceArgs("api", args), args).map((e) => e.ports);

  it("opens 6379 for standalone Redis and 6379 + 26379 for Sentinel", () => {
    expect(ports({ ...base, redis: { url: "redis://r:6379/0", passwordSecretName: "pw" } })[1]).toEqual([{ protocol: "TCP", port: 6379 }]);
    expect(ports({ ...base, redis: { sentinels: "r-0:26379", passwordSecretName: "pw" } })[1]).toEqual([
      { protocol: "TCP", port: 6379 },
      { protocol: "TCP", port: 26379 },
    ]);
  });

  it("opens the collector port from the endpoint URL, or the explicit one", () => {
    expect(ports({ ...base, tracing: { endpoint: "https://otel.example" } })[1]).toEqual([{ protocol: "TCP", port: 443 }]);
    expect(ports({ ...base, tracing: { endpoint: "http://otel:4318", port: 4317 } })[1]).toEqual([{ protocol: "TCP", port: 4317 }]);
  });

  it("allows only DNS without Redis, tracing or allowTo: the kube-dns pods of kube-system, not any pod so labelled", () => {
    const r = resolveAppServiceArgs("api", base);
    expect(egressRules(r, {})[0]?.to).toEqual([
      { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } }, podSelector: { matchLabels: { "k8s-app": "kube-dns" } } },
    ]);
    expect(ports(base)).toEqual([
      [
        { protocol: "UDP", port: 53 },
        { protocol: "TCP", port: 53 },
      ],
    ]);
  });

  it("admits allowFrom peers to the service port and Prometheus to the metrics port only", () => {
    const r = resolveAppServiceArgs("api", { ...base, port: 3000, metricsPort: 3001, allowFrom: [{ namespace: "edge" }] });
    expect(networkPolicySpec(r, {}).ingress).toEqual([
      { from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "edge" } }, podSelector: { matchLabels: {} } }], ports: [{ protocol: "TCP", port: 3000 }] },
      { from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } }, podSelector: { matchLabels: {} } }], ports: [{ protocol: "TCP", port: 3001 }] },
    ]);
  });

  it("opens the ports a Prometheus peer names instead", () => {
    const r = resolveAppServiceArgs("api", { ...base, port: 3000, allowFrom: [{ namespace: "edge" }], prometheus: { namespace: "obs", ports: [9090] } });
    expect(networkPolicySpec(r, {}).ingress).toEqual([
      { from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "edge" } }, podSelector: { matchLabels: {} } }], ports: [{ protocol: "TCP", port: 3000 }] },
      { from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "obs" } }, podSelector: { matchLabels: {} } }], ports: [{ protocol: "TCP", port: 9090 }] },
    ]);
  });
});

describe("configMapData / secretEnv / configChecksum", () => {
  it("lets config override the defaults and trusts the proxy only with allowFrom", () => {
    const args: AppServiceArgs = { ...base, config: { LOG_LEVEL: "warn" } };
    const data = configMapData(resolveAppServiceArgs("api", args), args);
    expect([data["LOG_LEVEL"], data["TRUST_PROXY"], data["REDIS_URL"]]).toEqual(["warn", "false", undefined]);
    const withProxy = { ...base, allowFrom: [{ namespace: "edge" }] };
    expect(configMapData(resolveAppServiceArgs("api", withProxy), withProxy)["TRUST_PROXY"]).toBe("1");
  });

  it("puts the Redis password first, then secretEnv sorted by name", () => {
    const args: AppServiceArgs = {
      ...base,
      redis: { url: "redis://r:6379/0", passwordSecretName: "pw", passwordSecretKey: "pass" },
      secretEnv: { Z_TOKEN: { secretName: "z", key: "t" }, A_KEY: { secretName: "a", key: "k" } },
    };
    expect(secretEnv(resolveAppServiceArgs("api", args), args).map((e) => e.name)).toEqual(["REDIS_PASSWORD", "A_KEY", "Z_TOKEN"]);
  });

  it("hashes the settings independently of key order", () => {
    expect(configChecksum({ A: "1", B: "2" })).toBe(configChecksum({ B: "2", A: "1" }));
    expect(configChecksum({ A: "1" })).toMatch(/^[a-f0-9]{64}$/);
    expect(configChecksum({ A: "1" })).not.toBe(configChecksum({ A: "2" }));
  });
});
