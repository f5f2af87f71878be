/** Loki: its configuration (retention, TSDB v13, structured metadata, OTLP labels), volume, ports and NetworkPolicy. */
import { beforeEach, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { LOG_STREAM_ATTRIBUTES } from "../lib/logs";
import { Loki, lokiConfig, resolveLokiArgs } from "../loki";
import { one, resetRegistered, settle, setupMocks, value } from "./mocks";

setupMocks();
beforeEach(resetRegistered);

type Config = {
  server: { http_listen_address: string; http_listen_port: number };
  common: { path_prefix: string };
  schema_config: { configs: { store: string; schema: string; index: { period: string } }[] };
  compactor: { retention_enabled: boolean; delete_request_store: string; working_directory: string };
  limits_config: Record<string, unknown> & { otlp_config: { resource_attributes: unknown } };
};

describe("Loki", () => {
  it("refuses an unpinned image, a burst below the rate, and index labels Loki would refuse", () => {
    expect(() => resolveLokiArgs("loki", { image: "grafana/loki" })).toThrow(/argument "image" .*pin a tag/);
    expect(() => resolveLokiArgs("loki", { ingestionRateMb: 8, ingestionBurstMb: 4 })).toThrow(/ingestionBurstMb.*at least ingestionRateMb \(8\)/);
    expect(() => resolveLokiArgs("loki", { indexLabels: [] })).toThrow(/indexLabels.*1 to 15 distinct/);
    expect(() => resolveLokiArgs("loki", { indexLabels: ["a", "a"] })).toThrow(/indexLabels.*1 to 15 distinct/);
    expect(() => resolveLokiArgs("loki", { retentionDays: 0 })).toThrow(/retentionDays/);
  });

  it("keeps lines retentionDays on the filesystem with a TSDB v13 index, structured metadata on, and indexes only the shipper's labels", () => {
    const c = lokiConfig(resolveLokiArgs("loki", { retentionDays: 30, ingestionRateMb: 8 })) as Config;
    expect(c.server).toMatchObject({ http_listen_address: "0.0.0.0", http_listen_port: 3100 });
    expect(c.common.path_prefix).toBe("/loki");
    expect(c.schema_config.configs).toEqual([{ from: "2024-04-01", store: "tsdb", object_store: "filesystem", schema: "v13", index: { prefix: "index_", period: "24h" } }]);
    expect(c.compactor).toMatchObject({ retention_enabled: true, delete_request_store: "filesystem", working_directory: "/loki/compactor" });
    expect(c.limits_config).toMatchObject({ retention_period: "720h", max_query_lookback: "720h", allow_structured_metadata: true, ingestion_rate_mb: 8, ingestion_burst_size_mb: 16 });
    expect(c.limits_config.otlp_config.resource_attributes).toEqual({ ignore_defaults: true, attributes_config: [{ action: "index_label", attributes: [...LOG_STREAM_ATTRIBUTES] }] });
    const local = lokiConfig(resolveLokiArgs("loki", {}), { dataDir: "/tmp/x", host: "127.0.0.1", httpPort: 1234, grpcPort: 1235 }) as Config;
    expect(local.server).toMatchObject({ http_listen_address: "127.0.0.1", http_listen_port: 1234 });
    expect(local.common.path_prefix).toBe("/tmp/x");
  });

  it("one pod with its PVC, scraped on its one HTTP port, admitting pushers, readers and scrapers on 3100 only", async () => {
    const loki = new Loki("loki", {
      namespace: "notes",
      storageSize: "20Gi",
      memory: "1Gi",
      pushers: [{ namespace: "notes-logs", podLabels: { app: "shipper" } }],
      readers: [{ podLabels: { app: "grafana" } }],
      scrapers: [{ podLabels: { app: "prometheus" } }],
    });
    expect(await value(loki.url)).toBe("http://loki.notes.svc:3100");
    expect(await value(loki.otlpEndpoint)).toBe("http://loki.notes.svc:3100/otlp");
    await settle();
    const sts = one("kubernetes:apps/v1:StatefulSet").inputs.spec;
    expect(sts.replicas).toBe(1);
    expect(sts.volumeClaimTemplates[0].spec.resources.requests.storage).toBe("20Gi");
    const pod = sts.template;
    expect(pod.metadata.annotations).toMatchObject({ "prometheus.io/scrape": "true", "prometheus.io/port": "3100" });
    const c = pod.spec.containers[0];
    expect(c.image).toBe("grafana/loki:3.7.6");
    expect(c.args).toEqual(["-config.file=/etc/loki/loki.yaml", "-target=all"]);
    expect(c.resources).toEqual({ requests: { cpu: "50m", memory: "1Gi" }, limits: { cpu: "1", memory: "1Gi" } });
    expect(c.securityContext).toMatchObject({ readOnlyRootFilesystem: true, runAsNonRoot: true, runAsUser: 10001 });
    expect(c.ports).toEqual([
      { name: "metrics", containerPort: 3100, protocol: "TCP" },
      { name: "grpc", containerPort: 9095, protocol: "TCP" },
    ]);
    expect(c.readinessProbe.httpGet).toEqual({ path: "/ready", port: "metrics" });
    expect(parse(one("kubernetes:core/v1:ConfigMap").inputs.data["loki.yaml"])).toEqual(lokiConfig(resolveLokiArgs("loki", {})));
    const np = one("kubernetes:networking.k8s.io/v1:NetworkPolicy").inputs.spec;
    expect(np.ingress).toEqual([
      { from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "notes-logs" } }, podSelector: { matchLabels: { app: "shipper" } } }], ports: [{ protocol: "TCP", port: 3100 }] },
      { from: [{ podSelector: { matchLabels: { app: "grafana" } } }], ports: [{ protocol: "TCP", port: 3100 }] },
      { from: [{ podSelector: { matchLabels: { app: "prometheus" } } }], ports: [{ protocol: "TCP", port: 3100 }] },
    ]);
    expect(np.egress).toHaveLength(1);
  });
});
