/** Pure builders of Loki's configuration and Kubernetes specs. */
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { DNS_EGRESS, peerSelector, prometheusScrapeAnnotations, readWriteOnceClaim, restrictedContainer, restrictedPod, tcpPorts } from "../lib/k8s";
import { lokiLabelName } from "../lib/logs";
import { LOKI_HTTP_PORT, type ResolvedLokiArgs } from "./args";

type Labels = Record<string, string>;
const LOKI_UID = 10001; // the image's loki user
export const CONFIG_FILE = "loki.yaml";
const GRPC_PORT = 9095;

/** Where Loki keeps its state: the PVC in the pod; a test copy uses a temp dir. */
export interface LokiPaths {
  readonly dataDir: string;
  /** Where every port listens (0.0.0.0 in the pod; a test copy listens on 127.0.0.1). */
  readonly host: string;
  readonly httpPort: number;
  readonly grpcPort: number;
}
export const POD_PATHS: LokiPaths = { dataDir: "/loki", host: "0.0.0.0", httpPort: LOKI_HTTP_PORT, grpcPort: GRPC_PORT };

/**
 * loki.yaml, monolithic (`-target=all`, one replica): chunks and the TSDB index (schema v13, one table a day) on
 * the filesystem of its PVC; retention by the compactor; structured metadata on, so that trace_id travels beside
 * the line instead of in a label; OTLP pushes indexed on the stack's few labels only; small embedded caches
 * instead of the memcached pair (about 10 GiB) the community chart asks for.
 */
export function lokiConfig(r: ResolvedLokiArgs, paths: LokiPaths = POD_PATHS): object {
  const retention = `${r.retentionDays * 24}h`;
  return {
    auth_enabled: false,
    server: {
      http_listen_address: paths.host,
      http_listen_port: paths.httpPort,
      grpc_listen_address: paths.host,
      grpc_listen_port: paths.grpcPort,
      log_level: "info",
      log_format: "json",
    },
    common: {
      instance_addr: "127.0.0.1",
      path_prefix: paths.dataDir,
      replication_factor: 1,
      ring: { kvstore: { store: "inmemory" } },
      storage: { filesystem: { chunks_directory: `${paths.dataDir}/chunks`, rules_directory: `${paths.dataDir}/rules` } },
    },
    schema_config: {
      configs: [{ from: "2024-04-01", store: "tsdb", object_store: "filesystem", schema: "v13", index: { prefix: "index_", period: "24h" } }],
    },
    compactor: {
      working_directory: `${paths.dataDir}/compactor`,
      compaction_interval: "10m",
      retention_enabled: true,
      retention_delete_delay: "2h",
      delete_request_store: "filesystem",
    },
    limits_config: {
      retention_period: retention,
      // Queries cannot reach past what retention keeps.
      max_query_lookback: retention,
      allow_structured_metadata: true,
      volume_enabled: true,
      ingestion_rate_mb: r.ingestionRateMb,
      ingestion_burst_size_mb: r.ingestionBurstMb,
      max_global_streams_per_user: r.maxStreams,
      max_label_names_per_series: 15,
      reject_old_samples: true,
      reject_old_samples_max_age: "168h",
      // A stream without service.name (a pod without app.kubernetes.io/name) is named after its container.
      discover_service_name: [lokiLabelName("k8s.container.name")],
      otlp_config: {
        resource_attributes: { ignore_defaults: true, attributes_config: [{ action: "index_label", attributes: [...r.indexLabels] }] },
      },
    },
    // Loki turns on embedded caches of 100 MB each when none is configured; the results cache's size also caps
    // the index-stats, volume, series and label caches it is copied to.
    query_range: { cache_results: true, results_cache: { cache: { embedded_cache: { enabled: true, max_size_mb: 32, ttl: "1h" } } } },
    chunk_store_config: { chunk_cache_config: { embedded_cache: { enabled: true, max_size_mb: 32, ttl: "1h" } } },
    // Alerting stays in Prometheus; patterns (Logs Drilldown) cost memory the dev budget does not have.
    ruler: { enable_api: false },
    pattern_ingester: { enabled: false },
    analytics: { reporting_enabled: false },
  };
}

export interface LokiParts {
  readonly configMapName: pulumi.Input<string>;
  readonly checksum: pulumi.Input<string>;
  readonly selector: Labels;
  readonly podLabels: Labels;
  readonly storageClassName?: pulumi.Input<string>;
}

/** One pod (a StatefulSet, so its volume follows it). */
export function statefulSetSpec(r: ResolvedLokiArgs, parts: LokiParts, serviceName: pulumi.Input<string>): k8s.types.input.apps.v1.StatefulSetSpec {
  return {
    serviceName,
    replicas: 1,
    selector: { matchLabels: parts.selector },
    template: {
      metadata: { labels: parts.podLabels, annotations: { "checksum/config": parts.checksum, ...prometheusScrapeAnnotations(LOKI_HTTP_PORT) } },
      spec: {
        automountServiceAccountToken: false,
        enableServiceLinks: false,
        securityContext: restrictedPod(LOKI_UID),
        // Lets the ingester flush its in-memory chunks to the volume on the way down.
        terminationGracePeriodSeconds: 60,
        containers: [
          {
            name: "loki",
            image: r.image,
            args: [`-config.file=/etc/loki/${CONFIG_FILE}`, "-target=all"],
            // `metrics` is Loki's one HTTP port (push, query, /ready), named so that Prometheus scrapes it.
            ports: [
              { name: "metrics", containerPort: LOKI_HTTP_PORT, protocol: "TCP" },
              { name: "grpc", containerPort: GRPC_PORT, protocol: "TCP" },
            ],
            // Go sizes its heap target from the limit; Loki's caches are small and fixed (lokiConfig).
            env: [{ name: "GOMEMLIMIT", valueFrom: { resourceFieldRef: { resource: "limits.memory", divisor: "1" } } }],
            resources: { requests: { cpu: r.cpuRequest, memory: r.memory }, limits: { cpu: r.cpuLimit, memory: r.memory } },
            startupProbe: { httpGet: { path: "/ready", port: "metrics" }, periodSeconds: 5, failureThreshold: 60 },
            livenessProbe: { tcpSocket: { port: "metrics" }, periodSeconds: 15, timeoutSeconds: 3 },
            readinessProbe: { httpGet: { path: "/ready", port: "metrics" }, periodSeconds: 10, timeoutSeconds: 3 },
            securityContext: restrictedContainer(LOKI_UID),
            volumeMounts: [
              { name: "config", mountPath: "/etc/loki", readOnly: true },
              { name: "data", mountPath: POD_PATHS.dataDir },
              { name: "tmp", mountPath: "/tmp" },
            ],
          },
        ],
        volumes: [
          { name: "config", configMap: { name: parts.configMapName } },
          { name: "tmp", emptyDir: { sizeLimit: "64Mi" } },
        ],
      },
    },
    volumeClaimTemplates: [{ metadata: { name: "data" }, spec: readWriteOnceClaim(r.storageSize, parts.storageClassName) }],
  };
}

/** The StatefulSet's governing Service (pod DNS names); clients use the ClusterIP Service. */
export function headlessServiceSpec(selector: Labels): k8s.types.input.core.v1.ServiceSpec {
  return { clusterIP: "None", selector, ports: [{ name: "http", port: LOKI_HTTP_PORT, targetPort: "metrics", protocol: "TCP" }] };
}

export function serviceSpec(selector: Labels): k8s.types.input.core.v1.ServiceSpec {
  return { type: "ClusterIP", selector, ports: [{ name: "http", port: LOKI_HTTP_PORT, targetPort: "metrics", protocol: "TCP" }] };
}

/** In: pushers, readers and scrapers, each on 3100. Out: DNS only (the filesystem store needs no network). */
export function networkPolicySpec(r: ResolvedLokiArgs, selector: Labels): k8s.types.input.networking.v1.NetworkPolicySpec {
  return {
    podSelector: { matchLabels: selector },
    policyTypes: ["Ingress", "Egress"],
    ingress: [...r.pushers, ...r.readers, ...r.scrapers].map((peer) => ({ from: [peerSelector(peer)], ports: tcpPorts([LOKI_HTTP_PORT]) })),
    egress: [DNS_EGRESS],
  };
}
