/** Pure builders of Jaeger's configuration and Kubernetes specs. */
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { DNS_EGRESS, peerSelector, readWriteOnceClaim, restrictedContainer, restrictedPod, tcpPorts } from "../lib/k8s";
import { HEALTH_PORT, JAEGER_METRICS_PORT, JaegerStorage, OTLP_GRPC_PORT, OTLP_HTTP_PORT, QUERY_PORT, type ResolvedJaegerArgs } from "./args";

type Labels = Record<string, string>;
const JAEGER_UID = 10001; // the image's user
export const CONFIG_FILE = "config.yaml";
const BADGER_DIR = "/badger";

/**
 * Jaeger v2's configuration (an OpenTelemetry Collector file): OTLP in on 4317 and 4318, batched into the
 * storage backend, the query API and UI on 16686, its own metrics on 8888, health on 13133. `host` is where
 * every endpoint listens (0.0.0.0 in the pod; a test copy listens on 127.0.0.1).
 */
export function jaegerConfig(r: ResolvedJaegerArgs, host = "0.0.0.0"): object {
  const backend =
    r.storage === JaegerStorage.Badger
      ? {
          badger: {
            directories: { keys: `${BADGER_DIR}/keys`, values: `${BADGER_DIR}/values` },
            ephemeral: false,
            ttl: { spans: `${r.ttlHours}h` },
          },
        }
      : { memory: { max_traces: r.maxTraces } };
  return {
    service: {
      extensions: ["jaeger_storage", "jaeger_query", "healthcheckv2"],
      pipelines: { traces: { receivers: ["otlp"], processors: ["batch"], exporters: ["jaeger_storage_exporter"] } },
      telemetry: {
        resource: { "service.name": "jaeger" },
        metrics: { level: "detailed", readers: [{ pull: { exporter: { prometheus: { host, port: JAEGER_METRICS_PORT } } } }] },
        logs: { level: "info", encoding: "json" },
      },
    },
    extensions: {
      healthcheckv2: { use_v2: true, http: { endpoint: `${host}:${HEALTH_PORT}` } },
      jaeger_query: { storage: { traces: "main" }, http: { endpoint: `${host}:${QUERY_PORT}` }, grpc: { endpoint: `${host}:16685` } },
      jaeger_storage: { backends: { main: backend } },
    },
    receivers: { otlp: { protocols: { grpc: { endpoint: `${host}:${OTLP_GRPC_PORT}` }, http: { endpoint: `${host}:${OTLP_HTTP_PORT}` } } } },
    processors: { batch: {} },
    exporters: { jaeger_storage_exporter: { trace_storage: "main" } },
  };
}

export interface JaegerParts {
  readonly configMapName: pulumi.Input<string>;
  readonly checksum: pulumi.Input<string>;
  readonly selector: Labels;
  readonly podLabels: Labels;
  readonly storageClassName?: pulumi.Input<string>;
}

/** One pod (a StatefulSet, so Badger's volume follows it); memory storage has no volume. */
export function statefulSetSpec(r: ResolvedJaegerArgs, parts: JaegerParts, serviceName: pulumi.Input<string>): k8s.types.input.apps.v1.StatefulSetSpec {
  const badger = r.storage === JaegerStorage.Badger;
  return {
    serviceName,
    replicas: 1,
    selector: { matchLabels: parts.selector },
    template: {
      metadata: { labels: parts.podLabels, annotations: { "checksum/config": parts.checksum } },
      spec: {
        automountServiceAccountToken: false,
        enableServiceLinks: false,
        securityContext: restrictedPod(JAEGER_UID),
        containers: [
          {
            name: "jaeger",
            image: r.image,
            args: [`--config=/etc/jaeger/${CONFIG_FILE}`],
            ports: [
              { name: "otlp-grpc", containerPort: OTLP_GRPC_PORT, protocol: "TCP" },
              { name: "otlp-http", containerPort: OTLP_HTTP_PORT, protocol: "TCP" },
              { name: "query", containerPort: QUERY_PORT, protocol: "TCP" },
              { name: "metrics", containerPort: JAEGER_METRICS_PORT, protocol: "TCP" },
              { name: "health", containerPort: HEALTH_PORT, protocol: "TCP" },
            ],
            resources: { requests: { cpu: r.cpuRequest, memory: r.memory }, limits: { cpu: r.cpuLimit, memory: r.memory } },
            startupProbe: { httpGet: { path: "/status", port: "health" }, periodSeconds: 2, failureThreshold: 60 },
            livenessProbe: { httpGet: { path: "/status", port: "health" }, periodSeconds: 15, timeoutSeconds: 3 },
            readinessProbe: { httpGet: { path: "/status", port: "health" }, periodSeconds: 10, timeoutSeconds: 3 },
            securityContext: restrictedContainer(JAEGER_UID),
            volumeMounts: [{ name: "config", mountPath: "/etc/jaeger", readOnly: true }, { name: "tmp", mountPath: "/tmp" }, ...(badger ? [{ name: "data", mountPath: BADGER_DIR }] : [])],
          },
        ],
        volumes: [
          { name: "config", configMap: { name: parts.configMapName } },
          { name: "tmp", emptyDir: { sizeLimit: "64Mi" } },
        ],
      },
    },
    ...(badger
      ? {
          volumeClaimTemplates: [
            {
              metadata: { name: "data" },
              spec: readWriteOnceClaim(r.storageSize, parts.storageClassName),
            },
          ],
        }
      : {}),
  };
}

/** The StatefulSet's governing Service (pod DNS names); clients use the ClusterIP Service. */
export function headlessServiceSpec(selector: Labels): k8s.types.input.core.v1.ServiceSpec {
  return { clusterIP: "None", selector, ports: [{ name: "otlp-grpc", port: OTLP_GRPC_PORT, targetPort: "otlp-grpc", protocol: "TCP" }] };
}

export function serviceSpec(selector: Labels): k8s.types.input.core.v1.ServiceSpec {
  return {
    type: "ClusterIP",
    selector,
    ports: [
      { name: "otlp-grpc", port: OTLP_GRPC_PORT, targetPort: "otlp-grpc", protocol: "TCP", appProtocol: "grpc" },
      { name: "otlp-http", port: OTLP_HTTP_PORT, targetPort: "otlp-http", protocol: "TCP" },
      { name: "query", port: QUERY_PORT, targetPort: "query", protocol: "TCP" },
    ],
  };
}

/** In: senders on OTLP, readers on the query port, scrapers on metrics. Out: DNS only. */
export function networkPolicySpec(r: ResolvedJaegerArgs, selector: Labels): k8s.types.input.networking.v1.NetworkPolicySpec {
  return {
    podSelector: { matchLabels: selector },
    policyTypes: ["Ingress", "Egress"],
    ingress: [
      ...r.senders.map((peer) => ({ from: [peerSelector(peer)], ports: tcpPorts([OTLP_GRPC_PORT, OTLP_HTTP_PORT]) })),
      ...r.readers.map((peer) => ({ from: [peerSelector(peer)], ports: tcpPorts([QUERY_PORT]) })),
      ...r.scrapers.map((peer) => ({ from: [peerSelector(peer)], ports: tcpPorts([JAEGER_METRICS_PORT]) })),
    ],
    egress: [DNS_EGRESS],
  };
}
