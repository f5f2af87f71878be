/** Pure builders of Prometheus' configuration and Kubernetes specs, from the resolved args and sibling names. */
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { API_SERVER_EGRESS, DNS_EGRESS, peerSelector, restrictedContainer, restrictedPod, tcpPorts } from "../lib/k8s";
import type { ResolvedPrometheusArgs } from "./args";
import { ruleFile } from "./rules";

type Labels = Record<string, string>;

export const PROMETHEUS_PORT = 9090;
/** Container port names Prometheus scrapes on every pod of the watched namespaces. */
// A port name is at most 15 characters (IANA service name), hence not "sentinel-metrics".
export const METRICS_PORT_NAMES = ["metrics", "sentinel-exp"] as const;
const NOBODY = 65534; // the image's user
const SA_TOKEN = "/var/run/secrets/kubernetes.io/serviceaccount";

/** Every running pod's ports named `metrics` (or `sentinel-exp`), labelled namespace, pod, container, app, component and job. */
export function podScrapeConfig(r: ResolvedPrometheusArgs): object {
  const meta = "__meta_kubernetes_pod";
  return {
    job_name: "pods",
    kubernetes_sd_configs: [{ role: "pod", namespaces: { names: r.scrapeNamespaces } }],
    relabel_configs: [
      { source_labels: [`${meta}_container_port_name`], regex: METRICS_PORT_NAMES.join("|"), action: "keep" },
      { source_labels: [`${meta}_phase`], regex: "Running", action: "keep" },
      { source_labels: ["__meta_kubernetes_namespace"], target_label: "namespace" },
      { source_labels: [`${meta}_name`], target_label: "pod" },
      { source_labels: [`${meta}_container_name`], target_label: "container" },
      { source_labels: [`${meta}_label_app_kubernetes_io_name`], target_label: "app" },
      { source_labels: [`${meta}_label_app_kubernetes_io_component`], target_label: "component" },
      // The Sentinel exporter shares its pod (and labels) with Redis' exporter.
      { source_labels: [`${meta}_container_port_name`], regex: "sentinel-exp", target_label: "component", replacement: "sentinel" },
      { source_labels: ["app"], target_label: "job" },
    ],
  };
}

/** Container CPU and memory from each kubelet's cAdvisor, through the API server's node proxy (needs the ClusterRole below). */
export function kubeletScrapeConfig(r: ResolvedPrometheusArgs): object {
  return {
    job_name: "kubelet-cadvisor",
    scheme: "https",
    authorization: { credentials_file: `${SA_TOKEN}/token` },
    tls_config: { ca_file: `${SA_TOKEN}/ca.crt` },
    kubernetes_sd_configs: [{ role: "node" }],
    relabel_configs: [
      { target_label: "__address__", replacement: "kubernetes.default.svc:443" },
      { source_labels: ["__meta_kubernetes_node_name"], regex: "(.+)", target_label: "__metrics_path__", replacement: "/api/v1/nodes/$1/proxy/metrics/cadvisor" },
    ],
    // Only the watched namespaces' containers, and only what the dashboards and alerts use.
    metric_relabel_configs: [
      { source_labels: ["namespace"], regex: r.scrapeNamespaces.join("|"), action: "keep" },
      { source_labels: ["__name__"], regex: "container_(cpu_usage_seconds_total|memory_working_set_bytes|cpu_cfs_throttled_periods_total|cpu_cfs_periods_total)", action: "keep" },
    ],
  };
}

/** prometheus.yml. */
export function prometheusConfig(r: ResolvedPrometheusArgs): object {
  return {
    global: { scrape_interval: r.scrapeInterval, evaluation_interval: r.scrapeInterval },
    rule_files: ["/etc/prometheus/rules/*.yaml"],
    ...(r.alertmanagerAddress ? { alerting: { alertmanagers: [{ static_configs: [{ targets: [r.alertmanagerAddress] }] }] } } : {}),
    scrape_configs: [
      { job_name: "prometheus", static_configs: [{ targets: [`localhost:${PROMETHEUS_PORT}`] }] },
      ...(r.alertmanagerAddress ? [{ job_name: "alertmanager", static_configs: [{ targets: [r.alertmanagerAddress] }] }] : []),
      // Its series describe other pods: their namespace and pod labels must win over the target's.
      ...(r.kubeStateMetrics ? [{ job_name: "kube-state-metrics", honor_labels: true, static_configs: [{ targets: [r.kubeStateMetrics.address] }] }] : []),
      // The same for the batch jobs' grouping labels (job, namespace, redis) on what they pushed.
      ...(r.pushgateway ? [{ job_name: "pushgateway", honor_labels: true, static_configs: [{ targets: [r.pushgateway.address] }] }] : []),
      podScrapeConfig(r),
      ...(r.scrapeKubelet ? [kubeletScrapeConfig(r)] : []),
    ],
  };
}

/** The rule file, one per stack. */
export function rulesFile(r: ResolvedPrometheusArgs): object {
  return ruleFile(r.ruleGroups);
}

/** Read access to pods, in one namespace: all the service discovery above needs. */
export const POD_READER_RULES: k8s.types.input.rbac.v1.PolicyRule[] = [{ apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "watch"] }];
/** Cluster-wide, only with scrapeKubelet: nodes to discover, and their metrics through the API server's proxy. */
export const KUBELET_READER_RULES: k8s.types.input.rbac.v1.PolicyRule[] = [
  { apiGroups: [""], resources: ["nodes", "nodes/proxy", "nodes/metrics"], verbs: ["get", "list", "watch"] },
];

export interface PrometheusParts {
  readonly serviceAccountName: pulumi.Input<string>;
  readonly configMapName: pulumi.Input<string>;
  readonly rulesConfigMapName: pulumi.Input<string>;
  /** Changes with the configuration and the rules, so an edit rolls the pod. */
  readonly checksum: pulumi.Input<string>;
  readonly selector: Labels;
  readonly podLabels: Labels;
  readonly headlessServiceName: pulumi.Input<string>;
  readonly storageClassName: string | undefined;
}

export function statefulSetSpec(r: ResolvedPrometheusArgs, parts: PrometheusParts): k8s.types.input.apps.v1.StatefulSetSpec {
  const httpProbe = (path: string, periodSeconds: number) => ({ httpGet: { path, port: "web" }, periodSeconds, timeoutSeconds: 3, failureThreshold: 3 });
  return {
    serviceName: parts.headlessServiceName,
    replicas: 1,
    selector: { matchLabels: parts.selector },
    template: {
      metadata: { labels: parts.podLabels, annotations: { "checksum/config": parts.checksum } },
      spec: {
        serviceAccountName: parts.serviceAccountName,
        // Kubernetes service discovery calls the API server with the pod's token.
        automountServiceAccountToken: true,
        enableServiceLinks: false,
        securityContext: restrictedPod(NOBODY),
        terminationGracePeriodSeconds: 60,
        containers: [
          {
            name: "prometheus",
            image: r.image,
            args: [
              "--config.file=/etc/prometheus/prometheus.yml",
              "--storage.tsdb.path=/prometheus",
              `--storage.tsdb.retention.time=${r.retentionTime}`,
              `--storage.tsdb.retention.size=${r.retentionSize}`,
              `--web.listen-address=:${PROMETHEUS_PORT}`,
            ],
            ports: [
              { name: "web", containerPort: PROMETHEUS_PORT, protocol: "TCP" },
            ],
            resources: { requests: { cpu: r.cpuRequest, memory: r.memory }, limits: { cpu: r.cpuLimit, memory: r.memory } },
            // Replaying the write-ahead log after a restart can take minutes on a full head block.
            startupProbe: { httpGet: { path: "/-/ready", port: "web" }, periodSeconds: 5, failureThreshold: 60 },
            livenessProbe: httpProbe("/-/healthy", 15),
            readinessProbe: httpProbe("/-/ready", 10),
            securityContext: restrictedContainer(NOBODY),
            volumeMounts: [
              { name: "data", mountPath: "/prometheus" },
              { name: "config", mountPath: "/etc/prometheus/prometheus.yml", subPath: "prometheus.yml", readOnly: true },
              { name: "rules", mountPath: "/etc/prometheus/rules", readOnly: true },
            ],
          },
        ],
        volumes: [
          { name: "config", configMap: { name: parts.configMapName } },
          { name: "rules", configMap: { name: parts.rulesConfigMapName } },
        ],
      },
    },
    volumeClaimTemplates: [
      {
        metadata: { name: "data", labels: parts.selector },
        spec: { accessModes: ["ReadWriteOnce"], storageClassName: parts.storageClassName, resources: { requests: { storage: r.storageSize } } },
      },
    ],
    persistentVolumeClaimRetentionPolicy: { whenDeleted: "Retain", whenScaled: "Retain" },
  };
}

export function serviceSpec(selector: Labels, headless: boolean): k8s.types.input.core.v1.ServiceSpec {
  return {
    ...(headless ? { clusterIP: "None" } : { type: "ClusterIP" }),
    selector,
    ports: [{ name: "web", port: PROMETHEUS_PORT, targetPort: "web", protocol: "TCP" }],
  };
}

/**
 * In: the clients (Grafana) on 9090. Out: DNS, the API server (service discovery, and the kubelets through
 * its proxy) and every watched namespace's pods on their metrics ports.
 */
export function networkPolicySpec(r: ResolvedPrometheusArgs, selector: Labels): k8s.types.input.networking.v1.NetworkPolicySpec {
  return {
    podSelector: { matchLabels: selector },
    policyTypes: ["Ingress", "Egress"],
    ingress: r.clients.map((peer) => ({ from: [peerSelector(peer)], ports: tcpPorts(peer.ports ?? [PROMETHEUS_PORT]) })),
    egress: [
      DNS_EGRESS,
      API_SERVER_EGRESS,
      ...r.scrapeNamespaces.map((namespace) => ({ to: [peerSelector({ namespace })], ports: tcpPorts([...METRICS_PORT_NAMES]) })),
      ...(r.alertmanagerPeer ? [{ to: [peerSelector(r.alertmanagerPeer)], ports: tcpPorts(r.alertmanagerPeer.ports ?? [9093]) }] : []),
      ...(r.kubeStateMetrics ? [{ to: [peerSelector(r.kubeStateMetrics.peer)], ports: tcpPorts(r.kubeStateMetrics.peer.ports ?? [8080]) }] : []),
      ...(r.pushgateway ? [{ to: [peerSelector(r.pushgateway.peer)], ports: tcpPorts(r.pushgateway.peer.ports ?? [9091]) }] : []),
    ],
  };
}
