/** Pure builders of kube-state-metrics' Kubernetes specs. */
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { API_SERVER_EGRESS, DNS_EGRESS, peerSelector, restrictedContainer, restrictedPod, tcpPorts } from "../lib/k8s";
import { KSM_RESOURCES, KUBE_STATE_METRICS_PORT, type ResolvedKubeStateMetricsArgs } from "./args";

type Labels = Record<string, string>;
const NOBODY = 65534;
const TELEMETRY_PORT = 8081;

/** Read-only access to the reported kinds, in one namespace. */
export const KSM_RULES: k8s.types.input.rbac.v1.PolicyRule[] = [
  { apiGroups: [""], resources: ["pods"], verbs: ["list", "watch"] },
  { apiGroups: ["apps"], resources: ["deployments", "statefulsets"], verbs: ["list", "watch"] },
  { apiGroups: ["autoscaling"], resources: ["horizontalpodautoscalers"], verbs: ["list", "watch"] },
  { apiGroups: ["batch"], resources: ["cronjobs", "jobs"], verbs: ["list", "watch"] },
];

export function deploymentSpec(
  r: ResolvedKubeStateMetricsArgs,
  parts: { serviceAccountName: pulumi.Input<string>; selector: Labels; podLabels: Labels },
): k8s.types.input.apps.v1.DeploymentSpec {
  return {
    replicas: 1,
    selector: { matchLabels: parts.selector },
    template: {
      metadata: { labels: parts.podLabels },
      spec: {
        serviceAccountName: parts.serviceAccountName,
        // It reads the API server with its token.
        automountServiceAccountToken: true,
        enableServiceLinks: false,
        securityContext: restrictedPod(NOBODY),
        containers: [
          {
            name: "kube-state-metrics",
            image: r.image,
            args: [
              `--namespaces=${r.watchNamespaces.join(",")}`,
              `--resources=${KSM_RESOURCES.join(",")}`,
              `--port=${KUBE_STATE_METRICS_PORT}`,
              `--telemetry-port=${TELEMETRY_PORT}`,
            ],
            ports: [
              { name: "http-metrics", containerPort: KUBE_STATE_METRICS_PORT, protocol: "TCP" },
              { name: "telemetry", containerPort: TELEMETRY_PORT, protocol: "TCP" },
            ],
            resources: { requests: { cpu: r.cpuRequest, memory: r.memory }, limits: { cpu: r.cpuLimit, memory: r.memory } },
            livenessProbe: { httpGet: { path: "/livez", port: "http-metrics" }, periodSeconds: 10, timeoutSeconds: 3 },
            readinessProbe: { httpGet: { path: "/readyz", port: "telemetry" }, periodSeconds: 10, timeoutSeconds: 3 },
            securityContext: restrictedContainer(NOBODY),
          },
        ],
      },
    },
  };
}

export function serviceSpec(selector: Labels): k8s.types.input.core.v1.ServiceSpec {
  return { type: "ClusterIP", selector, ports: [{ name: "http-metrics", port: KUBE_STATE_METRICS_PORT, targetPort: "http-metrics", protocol: "TCP" }] };
}

/** In: its clients on 8080. Out: DNS and the API server. */
export function networkPolicySpec(r: ResolvedKubeStateMetricsArgs, selector: Labels): k8s.types.input.networking.v1.NetworkPolicySpec {
  return {
    podSelector: { matchLabels: selector },
    policyTypes: ["Ingress", "Egress"],
    ingress: r.clients.map((peer) => ({ from: [peerSelector(peer)], ports: tcpPorts([KUBE_STATE_METRICS_PORT]) })),
    egress: [DNS_EGRESS, API_SERVER_EGRESS],
  };
}
