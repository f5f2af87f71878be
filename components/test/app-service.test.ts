import * as pulumi from "@pulumi/pulumi";
import { beforeEach, describe, expect, it } from "vitest";
import * as mod from "../app-service";
import { byType, one, resetRegistered, settle, setupMocks, value } from "./mocks";

setupMocks();
beforeEach(resetRegistered);

const base = { image: "ghcr.io/acme/notes@sha256:" + "b".repeat(64), namespace: "notes" };

describe("resolveAppServiceArgs", () => {
  it("applies the documented defaults", () => {
    const r = mod.resolveAppServiceArgs("api", base);
    expect(r).toMatchObject({ appName: "api", port: 8080, minReplicas: 2, maxReplicas: 6, autoscale: true, cpuTargetPercent: 70 });
    expect(r.terminationGracePeriodSeconds).toBe(30); // 5 s drain + 20 s grace + 5 s slack
  });

  const bad: Array<[string, Partial<mod.AppServiceArgs>, RegExp]> = [
    ["minReplicas is 0", { minReplicas: 0 }, /argument "minReplicas" is 0; use an integer from 1 to 100/],
    ["maxReplicas below minReplicas", { minReplicas: 4, maxReplicas: 2 }, /argument "maxReplicas" is 2; must be at least minReplicas \(4\)/],
    ["cpu limit below request", { cpuRequest: "1", cpuLimit: "200m" }, /argument "cpuLimit" is "200m"; must be at least cpuRequest/],
    ["memory in GB", { memoryLimit: "1GB" }, /argument "memoryLimit" is "1GB"; use a quantity such as "256Mi"/],
    ["secret in config", { config: { REDIS_PASSWORD: "x" } }, /argument "config.REDIS_PASSWORD" .* looks like a secret: pass it in secretEnv/],
    ["bad env name", { config: { "log-level": "info" } }, /argument "config.log-level" is "log-level"; use an environment variable name/],
    ["redis without address", { redis: { passwordSecretName: "s" } }, /argument "redis" .*set exactly one of redis.url/],
    ["tracing endpoint not a URL", { tracing: { endpoint: "jaeger:4318" } }, /argument "tracing.endpoint" is "jaeger:4318"/],
    ["bad appName", { appName: "Notes_API" }, /argument "appName" is "Notes_API"; use a DNS-1123 label/],
    ["a bad pod label", { podLabels: { "not a key": "x" } }, /argument "podLabels key" is "not a key"; use a label key/],
    ["metrics on the API port", { metricsPort: 8080 }, /argument "metricsPort" is 8080; must differ from port \(8080\)/],
  ];
  it.each(bad)("throws if %s", (_n, extra, msg) => {
    expect(() => mod.resolveAppServiceArgs("api", { ...base, ...extra })).toThrow(msg);
  });

  it("throws before registering anything", async () => {
    expect(() => new mod.AppService("bad", { ...base, minReplicas: -1 })).toThrow(/"minReplicas" is -1/);
    await settle();
    expect(byType("kubernetes:apps/v1:Deployment")).toHaveLength(0);
  });
});

describe("AppService", () => {
  it("builds a secure, probed, autoscaled workload wired to Redis through Sentinel and to OTLP", async () => {
    const svc = new mod.AppService("api", {
      ...base,
      appName: "notes",
      minReplicas: 3,
      maxReplicas: 10,
      redis: { sentinels: "r-0.h:26379,r-1.h:26379", sentinelMasterName: "main", passwordSecretName: "redis-pw", podLabels: { app: "redis" } },
      tracing: { endpoint: "http://jaeger-collector.observability:4318", namespace: "observability", sampleRatio: 0.1 },
      allowFrom: [{ podLabels: { "gateway.networking.k8s.io/gateway-name": "edge" } }],
      config: { LOG_LEVEL: "debug" },
      podLabels: { "client.node-service-platform/notes-redis": "true" },
    });
    expect(await value(svc.autoscaled)).toBe(true);
    await value(svc.serviceName);
    await settle();

    const dep = one("kubernetes:apps/v1:Deployment").inputs;
    expect(dep.spec.replicas).toBeUndefined(); // the HPA owns it
    const pod = dep.spec.template.spec;
    const c = pod.containers[0];
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 65532, seccompProfile: { type: "RuntimeDefault" } });
    expect(c.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } });
    expect(c.volumeMounts).toEqual([{ name: "tmp", mountPath: "/tmp" }]);
    expect(pod.volumes[0]).toMatchObject({ name: "tmp", emptyDir: {} });
    // The API and probes on 8080; /metrics on its own port, which only Prometheus may reach.
    expect(c.ports).toEqual([
      { name: "http", containerPort: 8080, protocol: "TCP" },
      { name: "metrics", containerPort: 9464, protocol: "TCP" },
    ]);
    expect(dep.spec.template.metadata.annotations["prometheus.io/port"]).toBe("9464");
    expect(c.livenessProbe.httpGet).toEqual({ path: "/health/live", port: "http" });
    expect(c.readinessProbe.httpGet).toEqual({ path: "/health/ready", port: "http" });
    expect(c.startupProbe.httpGet.path).toBe("/health/live");
    expect(c.resources).toEqual({ requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "500m", memory: "256Mi" } });
    expect(pod.terminationGracePeriodSeconds).toBe(30);
    expect(pod.topologySpreadConstraints[0].topologyKey).toBe("kubernetes.io/hostname");
    expect(dep.spec.template.metadata.annotations["prometheus.io/scrape"]).toBe("true");
    expect(dep.spec.template.metadata.annotations["checksum/config"]).toMatch(/^[a-f0-9]{64}$/);
    expect(dep.spec.selector.matchLabels).toEqual({ "app.kubernetes.io/name": "notes", "app.kubernetes.io/component": "api" });
    // Extra pod labels (a server's client label) go on the pods, never into the selector or other objects.
    expect(dep.spec.template.metadata.labels["client.node-service-platform/notes-redis"]).toBe("true");
    expect(dep.metadata.labels["client.node-service-platform/notes-redis"]).toBeUndefined();

    // Secrets only through secretKeyRef; Sentinel wiring in the ConfigMap.
    expect(c.env).toEqual([
      { name: "REDIS_PASSWORD", valueFrom: { secretKeyRef: { name: "redis-pw", key: "redis-password" } } },
      { name: "REDIS_SENTINEL_PASSWORD", valueFrom: { secretKeyRef: { name: "redis-pw", key: "redis-password" } } },
    ]);
    const cm = one("kubernetes:core/v1:ConfigMap").inputs;
    expect(c.envFrom[0].configMapRef.name).toBe("api-config-mock");
    expect(cm.data).toMatchObject({
      PORT: "8080",
      METRICS_PORT: "9464",
      LOG_LEVEL: "debug",
      REDIS_SENTINELS: "r-0.h:26379,r-1.h:26379",
      REDIS_SENTINEL_MASTER: "main",
      OTEL_EXPORTER_OTLP_ENDPOINT: "http://jaeger-collector.observability:4318",
      OTEL_TRACES_SAMPLER_ARG: "0.1",
      TRUST_PROXY: "1",
    });
    expect(cm.data.REDIS_URL).toBeUndefined();

    const service = one("kubernetes:core/v1:Service").inputs;
    expect(service.spec.selector).toEqual(dep.spec.selector.matchLabels);
    expect(service.spec.ports).toEqual([
      { name: "http", port: 8080, targetPort: "http", protocol: "TCP" },
      { name: "metrics", port: 9464, targetPort: "metrics", protocol: "TCP" },
    ]);

    const hpa = one("kubernetes:autoscaling/v2:HorizontalPodAutoscaler").inputs;
    // The Deployment and the HPA are named after the app, so alerts and dashboards can name them.
    expect(dep.metadata.name).toBe("notes");
    expect(one("kubernetes:autoscaling/v2:HorizontalPodAutoscaler").inputs.metadata.name).toBe("notes");
    expect(svc.workloadName).toBe("notes");
    expect(svc.hpaName).toBe("notes");
    expect(hpa.spec).toMatchObject({ minReplicas: 3, maxReplicas: 10, scaleTargetRef: { kind: "Deployment", name: "notes" } });
    expect(hpa.spec.metrics.map((m: { resource: { name: string } }) => m.resource.name)).toEqual(["cpu", "memory"]);
    expect(hpa.spec.behavior.scaleDown.stabilizationWindowSeconds).toBe(300);

    expect(one("kubernetes:policy/v1:PodDisruptionBudget").inputs.spec).toEqual({ maxUnavailable: 1, selector: { matchLabels: dep.spec.selector.matchLabels } });
    expect(one("kubernetes:core/v1:ServiceAccount").inputs.automountServiceAccountToken).toBe(false);

    const np = one("kubernetes:networking.k8s.io/v1:NetworkPolicy").inputs.spec;
    expect(np.policyTypes).toEqual(["Ingress", "Egress"]);
    expect(np.ingress).toEqual([
      { from: [{ podSelector: { matchLabels: { "gateway.networking.k8s.io/gateway-name": "edge" } } }], ports: [{ protocol: "TCP", port: 8080 }] },
      {
        from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } }, podSelector: { matchLabels: {} } }],
        ports: [{ protocol: "TCP", port: 9464 }],
      },
    ]);
    const egressPorts = np.egress.map((e: { ports: { port: number }[] }) => e.ports.map((p) => p.port));
    expect(egressPorts).toEqual([[53, 53], [6379, 26379], [4318]]);
  });

  it("uses fixed replicas and no HPA when min equals max, and REDIS_URL in standalone mode", async () => {
    new mod.AppService("fixed", { ...base, minReplicas: 1, maxReplicas: 1, redis: { url: "redis://r.notes.svc:6379/0", passwordSecretName: "pw" } });
    await settle();
    expect(one("kubernetes:apps/v1:Deployment").inputs.spec.replicas).toBe(1);
    expect(byType("kubernetes:autoscaling/v2:HorizontalPodAutoscaler")).toHaveLength(0);
    const cm = one("kubernetes:core/v1:ConfigMap").inputs;
    expect(cm.data.REDIS_URL).toBe("redis://r.notes.svc:6379/0");
    expect(cm.data.REDIS_SENTINELS).toBeUndefined();
    expect(cm.data.TRUST_PROXY).toBe("false");
  });

  it("changes the pod template checksum when a setting changes", async () => {
    new mod.AppService("a", { ...base, config: { LOG_LEVEL: "info" } });
    new mod.AppService("b", { ...base, config: { LOG_LEVEL: "warn" } });
    await settle();
    const sums = byType("kubernetes:apps/v1:Deployment").map((d) => d.inputs.spec.template.metadata.annotations["checksum/config"]);
    expect(sums).toHaveLength(2);
    expect(sums[0]).not.toBe(sums[1]);
  });

  it("registers children named after the component, parented to it", async () => {
    const svc = new mod.AppService("named", base);
    await settle();
    expect(pulumi.ComponentResource.isInstance(svc)).toBe(true);
    for (const r of byType("kubernetes:apps/v1:Deployment").concat(byType("kubernetes:core/v1:Service"))) expect(r.name.startsWith("named-")).toBe(true);
  });
});
