/** Jaeger v2: its collector configuration, memory or Badger storage, internal ports and NetworkPolicy. */
import { beforeEach, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { Jaeger, JaegerStorage, jaegerConfig, resolveJaegerArgs } from "../jaeger";
import { byType, one, resetRegistered, settle, setupMocks, value } from "./mocks";

setupMocks();
beforeEach(resetRegistered);

type Config = {
  service: { extensions: string[]; pipelines: { traces: { receivers: string[]; exporters: string[] } } };
  extensions: { jaeger_storage: { backends: { main: Record<string, unknown> } }; jaeger_query: { http: { endpoint: string } } };
  receivers: { otlp: { protocols: { grpc: { endpoint: string }; http: { endpoint: string } } } };
};

describe("Jaeger", () => {
  it("refuses an unpinned image and Badger settings with memory storage", () => {
    expect(() => resolveJaegerArgs("jaeger", { image: "jaegertracing/jaeger" })).toThrow(/argument "image" .*pin a tag/);
    expect(() => resolveJaegerArgs("jaeger", { ttlHours: 24 })).toThrow(/ttlHours and storageSize apply to JaegerStorage.Badger only/);
  });

  it("receives OTLP on 4317 and 4318 into one storage backend that the query API reads", () => {
    const c = jaegerConfig(resolveJaegerArgs("jaeger", { maxTraces: 5000 })) as Config;
    expect(c.receivers.otlp.protocols).toEqual({ grpc: { endpoint: "0.0.0.0:4317" }, http: { endpoint: "0.0.0.0:4318" } });
    expect(c.service.pipelines.traces).toMatchObject({ receivers: ["otlp"], exporters: ["jaeger_storage_exporter"] });
    expect(c.extensions.jaeger_storage.backends.main).toEqual({ memory: { max_traces: 5000 } });
    expect(c.extensions.jaeger_query.http.endpoint).toBe("0.0.0.0:16686");
    const badger = jaegerConfig(resolveJaegerArgs("jaeger", { storage: JaegerStorage.Badger, ttlHours: 72 }), "127.0.0.1") as Config;
    expect(badger.extensions.jaeger_storage.backends.main).toEqual({ badger: { directories: { keys: "/badger/keys", values: "/badger/values" }, ephemeral: false, ttl: { spans: "72h" } } });
    expect(badger.receivers.otlp.protocols.http.endpoint).toBe("127.0.0.1:4318");
  });

  it("memory storage: no volume; Badger: a PVC of the given size; admits senders, readers and scrapers on their ports only", async () => {
    const j = new Jaeger("jaeger", { namespace: "notes", senders: [{ podLabels: { app: "notes" } }], readers: [{ podLabels: { app: "grafana" } }], scrapers: [{ podLabels: { app: "prometheus" } }] });
    expect(await value(j.otlpHttpEndpoint)).toBe("http://jaeger.notes.svc:4318");
    expect(await value(j.queryUrl)).toBe("http://jaeger.notes.svc:16686");
    await settle();
    const sts = one("kubernetes:apps/v1:StatefulSet").inputs.spec;
    expect(sts.volumeClaimTemplates).toBeUndefined();
    const c = sts.template.spec.containers[0];
    expect(c.image).toBe("jaegertracing/jaeger:2.13.0");
    expect(c.securityContext).toMatchObject({ readOnlyRootFilesystem: true, runAsNonRoot: true });
    expect(c.ports.map((p: { name: string }) => p.name)).toEqual(["otlp-grpc", "otlp-http", "query", "metrics", "health"]);
    expect(parse(one("kubernetes:core/v1:ConfigMap").inputs.data["config.yaml"])).toEqual(jaegerConfig(resolveJaegerArgs("jaeger", {})));
    const np = one("kubernetes:networking.k8s.io/v1:NetworkPolicy").inputs.spec;
    expect(np.ingress).toEqual([
      { from: [{ podSelector: { matchLabels: { app: "notes" } } }], ports: [{ protocol: "TCP", port: 4317 }, { protocol: "TCP", port: 4318 }] },
      { from: [{ podSelector: { matchLabels: { app: "grafana" } } }], ports: [{ protocol: "TCP", port: 16686 }] },
      { from: [{ podSelector: { matchLabels: { app: "prometheus" } } }], ports: [{ protocol: "TCP", port: 8888 }] },
    ]);
    expect(np.egress).toHaveLength(1);
    expect(byType("kubernetes:core/v1:Service").map((s) => s.inputs.spec.clusterIP ?? "ClusterIP").sort()).toEqual(["ClusterIP", "None"]);

    resetRegistered();
    new Jaeger("jaeger", { namespace: "notes", storage: JaegerStorage.Badger, storageSize: "10Gi" });
    await settle();
    const badger = one("kubernetes:apps/v1:StatefulSet").inputs.spec;
    expect(badger.volumeClaimTemplates[0].spec.resources.requests.storage).toBe("10Gi");
    expect(badger.template.spec.containers[0].volumeMounts.map((m: { mountPath: string }) => m.mountPath)).toContain("/badger");
  });
});
