/** Pure builders of the Pushgateway's Kubernetes specs. */
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { peerSelector, restrictedContainer, restrictedPod, tcpPorts } from "../lib/k8s";
import { PUSHGATEWAY_PORT, type ResolvedPushgatewayArgs } from "./args";

type Labels = Record<string, string>;
const NOBODY = 65534; // the image's user

export function deploymentSpec(r: ResolvedPushgatewayArgs, parts: { claimName: pulumi.Input<string>; selector: Labels; podLabels: Labels }): k8s.types.input.apps.v1.DeploymentSpec {
  return {
    replicas: 1,
    // One writer of the persistence file: the old pod stops before the new one starts.
    strategy: { type: "Recreate" },
    selector: { matchLabels: parts.selector },
    template: {
      metadata: { labels: parts.podLabels },
      spec: {
        automountServiceAccountToken: false,
        enableServiceLinks: false,
        securityContext: restrictedPod(NOBODY),
        containers: [
          {
            name: "pushgateway",
            image: r.image,
            args: [`--web.listen-address=:${PUSHGATEWAY_PORT}`, "--persistence.file=/data/pushgateway.db", "--persistence.interval=1m"],
            // Named "http", not "metrics": Prometheus scrapes it in a job of its own, keeping the pushed labels.
            ports: [{ name: "http", containerPort: PUSHGATEWAY_PORT, protocol: "TCP" }],
            resources: { requests: { cpu: r.cpuRequest, memory: r.memory }, limits: { cpu: r.cpuLimit, memory: r.memory } },
            livenessProbe: { httpGet: { path: "/-/healthy", port: "http" }, periodSeconds: 15, timeoutSeconds: 3 },
            readinessProbe: { httpGet: { path: "/-/ready", port: "http" }, periodSeconds: 10, timeoutSeconds: 3 },
            securityContext: restrictedContainer(NOBODY),
            volumeMounts: [{ name: "data", mountPath: "/data" }],
          },
        ],
        volumes: [{ name: "data", persistentVolumeClaim: { claimName: parts.claimName } }],
      },
    },
  };
}

export function serviceSpec(selector: Labels): k8s.types.input.core.v1.ServiceSpec {
  return { type: "ClusterIP", selector, ports: [{ name: "http", port: PUSHGATEWAY_PORT, targetPort: "http", protocol: "TCP" }] };
}

/** In: its clients on 9091. Out: nothing. */
export function networkPolicySpec(r: ResolvedPushgatewayArgs, selector: Labels): k8s.types.input.networking.v1.NetworkPolicySpec {
  return {
    podSelector: { matchLabels: selector },
    policyTypes: ["Ingress", "Egress"],
    ingress: r.clients.map((peer) => ({ from: [peerSelector(peer)], ports: tcpPorts([PUSHGATEWAY_PORT]) })),
    egress: [],
  };
}
