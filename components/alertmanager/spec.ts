/** Pure builders of Alertmanager's configuration and Kubernetes specs. */
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { DNS_EGRESS, peerSelector, restrictedContainer, restrictedPod, tcpPorts } from "../lib/k8s";
import { ReceiverKind, type ResolvedAlertmanagerArgs } from "./args";

type Labels = Record<string, string>;

export const ALERTMANAGER_PORT = 9093;
const NOBODY = 65534;
/** Where the Secret with the receiver's URL is mounted; the configuration reads the URL from this file. */
export const RECEIVER_URL_FILE = "/etc/alertmanager/secrets/receiver-url";
export const RECEIVER_URL_KEY = "receiver-url";

function receiverConfig(r: ResolvedAlertmanagerArgs, name: string, sendResolved: boolean): object {
  switch (r.receiver) {
    case ReceiverKind.None:
      return { name };
    case ReceiverKind.Webhook:
      return { name, webhook_configs: [{ url_file: RECEIVER_URL_FILE, send_resolved: sendResolved }] };
    case ReceiverKind.Slack:
      return {
        name,
        slack_configs: [
          {
            api_url_file: RECEIVER_URL_FILE,
            ...(r.slackChannel ? { channel: r.slackChannel } : {}),
            send_resolved: sendResolved,
            title: '[{{ .Status | toUpper }}] {{ .CommonLabels.alertname }} ({{ .CommonLabels.severity }})',
            text: "{{ range .Alerts }}{{ .Annotations.summary }}: {{ .Annotations.description }} {{ .Annotations.runbook_url }}\n{{ end }}",
          },
        ],
      };
  }
}

/**
 * alertmanager.yml: critical alerts page (repeat hourly), warnings make tickets (twice a day), grouped by alert
 * and namespace; a fast SLO burn silences the slow one of the same SLO.
 */
export function alertmanagerConfig(r: ResolvedAlertmanagerArgs): object {
  return {
    route: {
      receiver: "page",
      group_by: ["alertname", "namespace"],
      group_wait: "30s",
      group_interval: "5m",
      repeat_interval: "4h",
      routes: [
        { receiver: "page", matchers: ['severity="critical"'], repeat_interval: "1h" },
        { receiver: "ticket", matchers: ['severity="warning"'], repeat_interval: "12h" },
      ],
    },
    receivers: [receiverConfig(r, "page", true), receiverConfig(r, "ticket", false)],
    inhibit_rules: [
      { source_matchers: ['severity="critical"', 'slo=~".+"'], target_matchers: ['severity="warning"', 'slo=~".+"'], equal: ["namespace", "slo"] },
    ],
  };
}

export interface AlertmanagerParts {
  readonly configMapName: pulumi.Input<string>;
  readonly secretName: pulumi.Input<string> | undefined;
  readonly checksum: pulumi.Input<string>;
  readonly selector: Labels;
  readonly podLabels: Labels;
}

export function deploymentSpec(r: ResolvedAlertmanagerArgs, parts: AlertmanagerParts): k8s.types.input.apps.v1.DeploymentSpec {
  const probe = (path: string) => ({ httpGet: { path, port: "web" }, periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 3 });
  return {
    replicas: 1,
    selector: { matchLabels: parts.selector },
    // One replica with its silences in an emptyDir: a restart forgets silences, never alerts (Prometheus resends them).
    strategy: { type: "Recreate" },
    template: {
      metadata: { labels: parts.podLabels, annotations: { "checksum/config": parts.checksum } },
      spec: {
        automountServiceAccountToken: false,
        enableServiceLinks: false,
        securityContext: restrictedPod(NOBODY),
        containers: [
          {
            name: "alertmanager",
            image: r.image,
            args: ["--config.file=/etc/alertmanager/alertmanager.yml", "--storage.path=/alertmanager", `--web.listen-address=:${ALERTMANAGER_PORT}`, "--cluster.listen-address="],
            ports: [{ name: "web", containerPort: ALERTMANAGER_PORT, protocol: "TCP" }],
            resources: { requests: { cpu: r.cpuRequest, memory: r.memory }, limits: { cpu: r.cpuLimit, memory: r.memory } },
            livenessProbe: probe("/-/healthy"),
            readinessProbe: probe("/-/ready"),
            securityContext: restrictedContainer(NOBODY),
            volumeMounts: [
              { name: "config", mountPath: "/etc/alertmanager/alertmanager.yml", subPath: "alertmanager.yml", readOnly: true },
              { name: "data", mountPath: "/alertmanager" },
              ...(parts.secretName ? [{ name: "receiver", mountPath: "/etc/alertmanager/secrets", readOnly: true }] : []),
            ],
          },
        ],
        volumes: [
          { name: "config", configMap: { name: parts.configMapName } },
          { name: "data", emptyDir: { sizeLimit: "64Mi" } },
          ...(parts.secretName ? [{ name: "receiver", secret: { secretName: parts.secretName, defaultMode: 0o400 } }] : []),
        ],
      },
    },
  };
}

export function serviceSpec(selector: Labels): k8s.types.input.core.v1.ServiceSpec {
  return { type: "ClusterIP", selector, ports: [{ name: "web", port: ALERTMANAGER_PORT, targetPort: "web", protocol: "TCP" }] };
}

/** In: its clients on 9093. Out: DNS, and HTTPS anywhere when a receiver is set (Slack, PagerDuty: outside the cluster). */
export function networkPolicySpec(r: ResolvedAlertmanagerArgs, selector: Labels): k8s.types.input.networking.v1.NetworkPolicySpec {
  return {
    podSelector: { matchLabels: selector },
    policyTypes: ["Ingress", "Egress"],
    ingress: r.clients.map((peer) => ({ from: [peerSelector(peer)], ports: tcpPorts(peer.ports ?? [ALERTMANAGER_PORT]) })),
    egress: [DNS_EGRESS, ...(r.receiver === ReceiverKind.None ? [] : [{ to: [{ ipBlock: { cidr: "0.0.0.0/0" } }], ports: tcpPorts([443]) }])],
  };
}
