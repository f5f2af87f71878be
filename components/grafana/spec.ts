/** Pure builders of Grafana's provisioning files and Kubernetes specs. */
import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { DNS_EGRESS, peerSelector, restrictedContainer, restrictedPod, tcpPorts } from "../lib/k8s";
import { lokiLabelName } from "../lib/logs";
import { ALERTMANAGER_DATASOURCE_UID, GRAFANA_PORT, type GrafanaArgs, JAEGER_DATASOURCE_UID, LOKI_DATASOURCE_UID, PROMETHEUS_DATASOURCE_UID, type ResolvedGrafanaArgs } from "./args";

type Labels = Record<string, string>;
const GRAFANA_UID = 472; // the image's grafana user
export const ADMIN_PASSWORD_KEY = "admin-password";

/**
 * The links between logs and traces, both ways:
 * - a log line's `trace_id` (structured metadata, which Grafana's derived fields match as a label) opens the trace;
 * - a span opens the log lines of its trace, a minute around the span: every stream Loki holds (each has a
 *   namespace label), filtered on the exact trace_id, so the lines of every service the trace crossed show. The
 *   query names no service: Grafana's Jaeger spans carry the service's name outside their tags.
 */
export const TRACE_ID_FIELD = "trace_id";
// Grafana expands $VAR and ${VAR} in provisioning files from its environment: `$$` keeps a literal `$`.
export function lokiJsonData(jaeger: boolean): object {
  return {
    maxLines: 1000,
    ...(jaeger
      ? {
          derivedFields: [
            // matcherType "label" matches label and structured-metadata names, unanchored: hence ^...$.
            { name: "Trace", matcherType: "label", matcherRegex: `^${TRACE_ID_FIELD}$`, url: "$${__value.raw}", datasourceUid: JAEGER_DATASOURCE_UID, urlDisplayLabel: "Open trace" },
          ],
        }
      : {}),
  };
}
export function jaegerJsonData(loki: boolean): object {
  if (!loki) return {};
  return {
    tracesToLogsV2: {
      datasourceUid: LOKI_DATASOURCE_UID,
      spanStartTimeShift: "-1m",
      spanEndTimeShift: "1m",
      customQuery: true,
      // Jaeger may print a trace id without its leading zeros; Loki keeps all 32 hex digits.
      query: `{${lokiLabelName("k8s.namespace.name")}=~".+"} | ${TRACE_ID_FIELD}=~"0*$\${__trace.traceId}"`,
    },
  };
}

/** provisioning/datasources/datasources.yaml: Prometheus (default), Alertmanager, and Loki and Jaeger (linked to each other) when given. */
export function datasourcesFile(args: Pick<GrafanaArgs, "prometheusUrl" | "alertmanagerUrl" | "lokiUrl" | "jaegerUrl">): pulumi.Output<object> {
  return pulumi.all([args.prometheusUrl, args.alertmanagerUrl, args.lokiUrl, args.jaegerUrl]).apply(([prometheus, alertmanager, loki, jaeger]) => ({
    apiVersion: 1,
    datasources: [
      { name: "Prometheus", uid: PROMETHEUS_DATASOURCE_UID, type: "prometheus", access: "proxy", url: prometheus, isDefault: true, editable: false, jsonData: { httpMethod: "POST" } },
      ...(alertmanager
        ? [{ name: "Alertmanager", uid: ALERTMANAGER_DATASOURCE_UID, type: "alertmanager", access: "proxy", url: alertmanager, editable: false, jsonData: { implementation: "prometheus" } }]
        : []),
      ...(loki ? [{ name: "Loki", uid: LOKI_DATASOURCE_UID, type: "loki", access: "proxy", url: loki, editable: false, jsonData: lokiJsonData(jaeger !== undefined) }] : []),
      ...(jaeger ? [{ name: "Jaeger", uid: JAEGER_DATASOURCE_UID, type: "jaeger", access: "proxy", url: jaeger, editable: false, jsonData: jaegerJsonData(loki !== undefined) }] : []),
    ],
  }));
}

/** provisioning/dashboards/dashboards.yaml: the mounted dashboards, read-only. */
export function dashboardProviderFile(): object {
  return {
    apiVersion: 1,
    providers: [{ name: "platform", folder: "Platform", type: "file", disableDeletion: true, allowUiUpdates: false, options: { path: "/var/lib/grafana-dashboards" } }],
  };
}

/** Published through the edge: links and redirects use the public URL, served from its path, cookies over TLS only. */
function publishedEnv(publicUrl: string | undefined): k8s.types.input.core.v1.EnvVar[] {
  if (!publicUrl) return [];
  const subPath = new URL(publicUrl).pathname !== "/";
  return [
    { name: "GF_SERVER_ROOT_URL", value: publicUrl },
    ...(subPath ? [{ name: "GF_SERVER_SERVE_FROM_SUB_PATH", value: "true" }] : []),
    { name: "GF_SECURITY_COOKIE_SECURE", value: "true" },
    { name: "GF_SECURITY_COOKIE_SAMESITE", value: "strict" },
  ];
}

/** The settings Grafana reads from its environment: no anonymous access, no sign-up, no phoning home. */
export function grafanaEnv(passwordSecretName: pulumi.Input<string>, publicUrl?: string): k8s.types.input.core.v1.EnvVar[] {
  return [
    { name: "GF_SECURITY_ADMIN_USER", value: "admin" },
    { name: "GF_SECURITY_ADMIN_PASSWORD", valueFrom: { secretKeyRef: { name: passwordSecretName, key: ADMIN_PASSWORD_KEY } } },
    { name: "GF_AUTH_ANONYMOUS_ENABLED", value: "false" },
    { name: "GF_USERS_ALLOW_SIGN_UP", value: "false" },
    { name: "GF_ANALYTICS_REPORTING_ENABLED", value: "false" },
    { name: "GF_ANALYTICS_CHECK_FOR_UPDATES", value: "false" },
    { name: "GF_PATHS_PROVISIONING", value: "/etc/grafana/provisioning" },
    ...publishedEnv(publicUrl),
  ];
}

export interface GrafanaParts {
  readonly passwordSecretName: pulumi.Input<string>;
  readonly datasourcesConfigMapName: pulumi.Input<string>;
  readonly providersConfigMapName: pulumi.Input<string>;
  readonly dashboardsConfigMapName: pulumi.Input<string>;
  readonly checksum: pulumi.Input<string>;
  readonly selector: Labels;
  readonly podLabels: Labels;
}

export function deploymentSpec(r: ResolvedGrafanaArgs, parts: GrafanaParts): k8s.types.input.apps.v1.DeploymentSpec {
  return {
    replicas: 1,
    selector: { matchLabels: parts.selector },
    template: {
      metadata: { labels: parts.podLabels, annotations: { "checksum/config": parts.checksum } },
      spec: {
        automountServiceAccountToken: false,
        enableServiceLinks: false,
        securityContext: restrictedPod(GRAFANA_UID),
        containers: [
          {
            name: "grafana",
            image: r.image,
            ports: [{ name: "http", containerPort: GRAFANA_PORT, protocol: "TCP" }],
            env: grafanaEnv(parts.passwordSecretName, r.publicUrl),
            resources: { requests: { cpu: r.cpuRequest, memory: r.memory }, limits: { cpu: r.cpuLimit, memory: r.memory } },
            startupProbe: { httpGet: { path: "/api/health", port: "http" }, periodSeconds: 5, failureThreshold: 36 },
            livenessProbe: { httpGet: { path: "/api/health", port: "http" }, periodSeconds: 15, timeoutSeconds: 3 },
            readinessProbe: { httpGet: { path: "/api/health", port: "http" }, periodSeconds: 10, timeoutSeconds: 3 },
            securityContext: restrictedContainer(GRAFANA_UID),
            volumeMounts: [
              // Sessions and UI state only: everything that matters is provisioned from the ConfigMaps.
              { name: "data", mountPath: "/var/lib/grafana" },
              { name: "tmp", mountPath: "/tmp" },
              { name: "datasources", mountPath: "/etc/grafana/provisioning/datasources", readOnly: true },
              { name: "providers", mountPath: "/etc/grafana/provisioning/dashboards", readOnly: true },
              { name: "dashboards", mountPath: "/var/lib/grafana-dashboards", readOnly: true },
            ],
          },
        ],
        volumes: [
          { name: "data", emptyDir: { sizeLimit: "256Mi" } },
          { name: "tmp", emptyDir: { sizeLimit: "64Mi" } },
          { name: "datasources", configMap: { name: parts.datasourcesConfigMapName } },
          { name: "providers", configMap: { name: parts.providersConfigMapName } },
          { name: "dashboards", configMap: { name: parts.dashboardsConfigMapName } },
        ],
      },
    },
  };
}

export function serviceSpec(selector: Labels): k8s.types.input.core.v1.ServiceSpec {
  return { type: "ClusterIP", selector, ports: [{ name: "http", port: GRAFANA_PORT, targetPort: "http", protocol: "TCP" }] };
}

/** In: its clients on 3000. Out: DNS and its datasources. */
export function networkPolicySpec(r: ResolvedGrafanaArgs, args: Pick<GrafanaArgs, "prometheusPeer" | "alertmanagerPeer" | "lokiPeer" | "jaegerPeer">, selector: Labels): k8s.types.input.networking.v1.NetworkPolicySpec {
  return {
    podSelector: { matchLabels: selector },
    policyTypes: ["Ingress", "Egress"],
    ingress: r.clients.map((peer) => ({ from: [peerSelector(peer)], ports: tcpPorts(peer.ports ?? [GRAFANA_PORT]) })),
    egress: [
      DNS_EGRESS,
      { to: [peerSelector(args.prometheusPeer)], ports: tcpPorts(args.prometheusPeer.ports ?? [9090]) },
      ...(args.alertmanagerPeer ? [{ to: [peerSelector(args.alertmanagerPeer)], ports: tcpPorts(args.alertmanagerPeer.ports ?? [9093]) }] : []),
      ...(args.lokiPeer ? [{ to: [peerSelector(args.lokiPeer)], ports: tcpPorts(args.lokiPeer.ports ?? [3100]) }] : []),
      ...(args.jaegerPeer ? [{ to: [peerSelector(args.jaegerPeer)], ports: tcpPorts(args.jaegerPeer.ports ?? [16686]) }] : []),
    ],
  };
}
