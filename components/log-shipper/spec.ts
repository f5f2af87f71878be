/** Pure builders of the log shipper's configuration (an OpenTelemetry Collector file) and Kubernetes specs. */
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { API_SERVER_EGRESS, DNS_EGRESS, peerSelector, tcpPorts } from "../lib/k8s";
import { type ResolvedLogShipperArgs, SHIPPER_HEALTH_PORT, SHIPPER_METRICS_PORT } from "./args";

type Labels = Record<string, string>;
export const CONFIG_FILE = "config.yaml";
/** The node's pod logs, as the kubelet writes them: <namespace>_<pod>_<uid>/<container>/<restart>.log. */
const POD_LOGS_DIR = "/var/log/pods";
const STATE_DIR = "/var/lib/otelcol";
/** Set from the pod's spec.nodeName: the shipper watches only the pods of its own node. */
export const NODE_NAME_ENV = "K8S_NODE_NAME";

/** Where the collector reads, keeps its state and listens; a test copy swaps these for local ones. */
export interface LogShipperPaths {
  readonly podLogsDir: string;
  readonly stateDir: string;
  /** Where its own endpoints listen (0.0.0.0 in the pod, 127.0.0.1 in a test). */
  readonly host: string;
  readonly metricsPort: number;
  readonly healthPort: number;
  /** How it reaches the API server: the pod's service account, or a kubeconfig file (a test). */
  readonly kubernetesAuth: "serviceAccount" | "kubeConfig";
}
export const POD_PATHS: LogShipperPaths = {
  podLogsDir: POD_LOGS_DIR,
  stateDir: STATE_DIR,
  host: "0.0.0.0",
  metricsPort: SHIPPER_METRICS_PORT,
  healthPort: SHIPPER_HEALTH_PORT,
  kubernetesAuth: "serviceAccount",
};

/**
 * The collector's configuration. The pipeline, per line:
 * 1. file_log reads the source namespace's pod logs, the CRI/Docker framing undone and partial lines joined, with
 *    namespace, pod, uid and container taken from the file path. Offsets live in file_storage: a restart resumes.
 * 2. A line that is a JSON object (the service's pino lines) is parsed: its `level` becomes the record's severity
 *    and the `level` resource attribute (a label in Loki), its `trace_id`/`span_id` the record's trace context
 *    (structured metadata in Loki). The other fields stay in the line only, for LogQL's `| json`. Any other line
 *    (another pod's plain text, malformed JSON) is shipped as it is.
 * 3. k8s_attributes adds the pod's app (`service.name`) and component labels, read from the API server.
 *    A pod without that label gets no service.name: Loki then names its streams after the container
 *    (components/loki, discover_service_name).
 * 4. otlphttp sends to Loki's OTLP endpoint, from a queue kept on disk and retried without a deadline; when the
 *    queue is full the receiver waits and retries instead of dropping, so the lines wait in the node's files.
 */
export function logShipperConfig(r: ResolvedLogShipperArgs, lokiOtlpEndpoint: string, paths: LogShipperPaths = POD_PATHS): object {
  return {
    extensions: {
      health_check: { endpoint: `${paths.host}:${paths.healthPort}` },
      file_storage: { directory: paths.stateDir, create_directory: true, compaction: { on_start: true, directory: paths.stateDir } },
    },
    receivers: {
      file_log: {
        include: [`${paths.podLogsDir}/${r.sourceNamespace}_*/*/*.log`],
        // With offsets in file_storage, `beginning` only applies to files this shipper has never seen.
        start_at: "beginning",
        include_file_name: false,
        // The container operator reads namespace, pod, uid and container from the path (removed again below).
        include_file_path: true,
        storage: "file_storage",
        retry_on_failure: { enabled: true, initial_interval: "1s", max_interval: "30s", max_elapsed_time: "0s" },
        operators: [
          { type: "container", id: "container", add_metadata_from_filepath: true },
          {
            type: "json_parser",
            id: "json",
            if: 'body matches "^\\\\s*\\\\{"',
            parse_from: "body",
            parse_to: "attributes",
            on_error: "send_quiet",
            severity: { parse_from: "attributes.level" },
            trace: { trace_id: { parse_from: "attributes.trace_id" }, span_id: { parse_from: "attributes.span_id" } },
          },
          { type: "move", id: "level", if: "attributes.level != nil", from: "attributes.level", to: "resource.level" },
          // The parsed fields (and the stream name) would each become structured metadata in Loki: the line has them.
          { type: "remove", id: "fields", field: "attributes" },
        ],
      },
    },
    processors: {
      memory_limiter: { check_interval: "1s", limit_percentage: 80, spike_limit_percentage: 20 },
      k8s_attributes: {
        auth_type: paths.kubernetesAuth,
        filter: { node_from_env_var: NODE_NAME_ENV, namespace: r.sourceNamespace },
        pod_association: [{ sources: [{ from: "resource_attribute", name: "k8s.pod.uid" }] }],
        extract: {
          metadata: ["k8s.pod.name"],
          labels: [
            { tag_name: "service.name", key: "app.kubernetes.io/name", from: "pod" },
            { tag_name: "component", key: "app.kubernetes.io/component", from: "pod" },
          ],
        },
      },
    },
    exporters: {
      "otlphttp/loki": {
        endpoint: lokiOtlpEndpoint,
        retry_on_failure: { enabled: true, initial_interval: "1s", max_interval: "30s", max_elapsed_time: "0s" },
        sending_queue: { enabled: true, storage: "file_storage", queue_size: 500 },
      },
    },
    service: {
      extensions: ["health_check", "file_storage"],
      pipelines: {
        logs: { receivers: ["file_log"], processors: ["memory_limiter", "k8s_attributes"], exporters: ["otlphttp/loki"] },
      },
      telemetry: {
        resource: { "service.name": r.appName },
        metrics: { level: "normal", readers: [{ pull: { exporter: { prometheus: { host: paths.host, port: paths.metricsPort } } } }] },
        logs: { level: "info", encoding: "json" },
      },
    },
  };
}

export interface LogShipperParts {
  readonly configMapName: pulumi.Input<string>;
  readonly checksum: pulumi.Input<string>;
  readonly serviceAccountName: pulumi.Input<string>;
  readonly selector: Labels;
  readonly podLabels: Labels;
}

/**
 * One pod per node. Root, because the kubelet's log files are root's and mode 0640, but with no capability, no
 * privilege escalation and a read-only root filesystem; /var/log/pods is mounted read-only. Tolerates every
 * taint, so that no node's pods go unshipped.
 */
export function daemonSetSpec(r: ResolvedLogShipperArgs, parts: LogShipperParts): k8s.types.input.apps.v1.DaemonSetSpec {
  return {
    selector: { matchLabels: parts.selector },
    updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1 } },
    template: {
      metadata: { labels: parts.podLabels, annotations: { "checksum/config": parts.checksum } },
      spec: {
        serviceAccountName: parts.serviceAccountName,
        enableServiceLinks: false,
        securityContext: { runAsUser: 0, runAsGroup: 0, runAsNonRoot: false, seccompProfile: { type: "RuntimeDefault" } },
        tolerations: [{ operator: "Exists" }],
        containers: [
          {
            name: "otelcol",
            image: r.image,
            args: [`--config=/etc/otelcol/${CONFIG_FILE}`],
            env: [{ name: NODE_NAME_ENV, valueFrom: { fieldRef: { fieldPath: "spec.nodeName" } } }],
            ports: [
              { name: "metrics", containerPort: SHIPPER_METRICS_PORT, protocol: "TCP" },
              { name: "health", containerPort: SHIPPER_HEALTH_PORT, protocol: "TCP" },
            ],
            resources: { requests: { cpu: r.cpuRequest, memory: r.memory }, limits: { cpu: r.cpuLimit, memory: r.memory } },
            livenessProbe: { httpGet: { path: "/", port: "health" }, periodSeconds: 15, timeoutSeconds: 3 },
            readinessProbe: { httpGet: { path: "/", port: "health" }, periodSeconds: 10, timeoutSeconds: 3 },
            securityContext: {
              runAsUser: 0,
              runAsGroup: 0,
              runAsNonRoot: false,
              allowPrivilegeEscalation: false,
              readOnlyRootFilesystem: true,
              privileged: false,
              capabilities: { drop: ["ALL"] },
              seccompProfile: { type: "RuntimeDefault" },
            },
            volumeMounts: [
              { name: "config", mountPath: "/etc/otelcol", readOnly: true },
              { name: "pod-logs", mountPath: POD_LOGS_DIR, readOnly: true },
              { name: "state", mountPath: STATE_DIR },
            ],
          },
        ],
        volumes: [
          { name: "config", configMap: { name: parts.configMapName } },
          { name: "pod-logs", hostPath: { path: POD_LOGS_DIR, type: "Directory" } },
          { name: "state", hostPath: { path: r.stateHostPath, type: "DirectoryOrCreate" } },
        ],
      },
    },
  };
}

/** Read-only access to the source namespace's pods: k8sattributes watches them for their labels. */
export function podReaderRules(): k8s.types.input.rbac.v1.PolicyRule[] {
  return [{ apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "watch"] }];
}

/** In: scrapers on metrics. Out: DNS, the API server (pod labels) and Loki. */
export function networkPolicySpec(r: ResolvedLogShipperArgs, selector: Labels): k8s.types.input.networking.v1.NetworkPolicySpec {
  return {
    podSelector: { matchLabels: selector },
    policyTypes: ["Ingress", "Egress"],
    ingress: r.scrapers.map((peer) => ({ from: [peerSelector(peer)], ports: tcpPorts([SHIPPER_METRICS_PORT]) })),
    egress: [DNS_EGRESS, API_SERVER_EGRESS, { to: [peerSelector(r.lokiPeer)], ports: tcpPorts(r.lokiPeer.ports ?? [3100]) }],
  };
}
