/** Helpers shared by the components: recommended labels, secure pod and container settings, network peers. */
import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

type Input<T> = import("@pulumi/pulumi").Input<T>;

export const PART_OF = "node-service-platform";

/** The labels a component's pods are selected by: stable for the life of the resource. */
export function selectorLabels(appName: string, component: string): Record<string, string> {
  return { "app.kubernetes.io/name": appName, "app.kubernetes.io/component": component };
}

/** app.kubernetes.io/* recommended labels. */
export function recommendedLabels(appName: string, component: string, instance: string, version?: string): Record<string, string> {
  return {
    ...selectorLabels(appName, component),
    "app.kubernetes.io/instance": instance,
    "app.kubernetes.io/part-of": PART_OF,
    "app.kubernetes.io/managed-by": "pulumi",
    ...(version ? { "app.kubernetes.io/version": version.slice(0, 63).replace(/[^A-Za-z0-9._-]/g, "_") } : {}),
  };
}

/**
 * The client-label rule: a component that serves others (Redis) admits, besides the peers it is given,
 * every pod of its namespace that carries its client label. A client (the service, a backup job) gets
 * admitted by adding that label to its pods; the server's NetworkPolicy needs no edit.
 */
export function clientLabels(appName: string): Record<string, string> {
  return { [`client.${PART_OF}/${appName}`]: "true" };
}

/** Pod annotations by which Prometheus' kubernetes_sd pod role finds the metrics endpoint. */
export function prometheusScrapeAnnotations(port: number): Record<string, string> {
  return { "prometheus.io/scrape": "true", "prometheus.io/port": String(port), "prometheus.io/path": "/metrics" };
}

/** One pod of the selection down at a time: never blocks a node drain, even with a single replica. */
export function oneUnavailableBudget(selector: Record<string, string>): k8s.types.input.policy.v1.PodDisruptionBudgetSpec {
  return { maxUnavailable: 1, selector: { matchLabels: selector } };
}

/** A container that cannot escalate, writes nothing outside its volumes and keeps no capabilities. */
export function restrictedContainer(uid: number, gid = uid): k8s.types.input.core.v1.SecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: uid,
    runAsGroup: gid,
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    privileged: false,
    capabilities: { drop: ["ALL"] },
    seccompProfile: { type: "RuntimeDefault" },
  };
}

export function restrictedPod(uid: number, gid = uid): k8s.types.input.core.v1.PodSecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: uid,
    runAsGroup: gid,
    fsGroup: gid,
    fsGroupChangePolicy: "OnRootMismatch",
    seccompProfile: { type: "RuntimeDefault" },
  };
}

/**
 * Who may talk to (or be reached by) a workload: pods matching `podLabels` in
 * `namespace`. An unset namespace means the workload's own namespace; unset
 * podLabels mean every pod of that namespace.
 */
export interface NetworkPeer {
  /** Namespace of the peer pods. @default the workload's own namespace */
  readonly namespace?: string;
  /** Labels of the peer pods. @default every pod of the namespace */
  readonly podLabels?: Record<string, string>;
  /** TCP ports the rule opens. @default the ports the rule is about */
  readonly ports?: number[];
}

export function peerSelector(peer: NetworkPeer): k8s.types.input.networking.v1.NetworkPolicyPeer {
  const podSelector = { matchLabels: peer.podLabels ?? {} };
  if (peer.namespace === undefined) return { podSelector };
  return { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": peer.namespace } }, podSelector };
}

export function tcpPorts(ports: readonly Input<number | string>[]): k8s.types.input.networking.v1.NetworkPolicyPort[] {
  return ports.map((port) => ({ protocol: "TCP", port }));
}

/** Egress to cluster DNS: the kube-dns pods of kube-system only (a pod labelled k8s-app=kube-dns elsewhere is not DNS). */
export const DNS_EGRESS: k8s.types.input.networking.v1.NetworkPolicyEgressRule = {
  to: [peerSelector({ namespace: "kube-system", podLabels: { "k8s-app": "kube-dns" } })],
  ports: [
    { protocol: "UDP", port: 53 },
    { protocol: "TCP", port: 53 },
  ],
};

/** Egress to the API server: it is not a pod and its address is the cluster's, so the rule admits its ports anywhere. */
export const API_SERVER_EGRESS: k8s.types.input.networking.v1.NetworkPolicyEgressRule = {
  to: [{ ipBlock: { cidr: "0.0.0.0/0" } }],
  ports: [
    { protocol: "TCP", port: 443 },
    { protocol: "TCP", port: 6443 },
  ],
};

/** host:port of a Service, with `.<namespace>.svc` when the namespace is known, so it resolves from any namespace. */
export function serviceAddress(serviceName: pulumi.Input<string>, namespace: pulumi.Input<string> | undefined, port: number): pulumi.Output<string> {
  return pulumi.all([serviceName, namespace]).apply(([svc, ns]) => `${svc}${ns ? `.${ns}.svc` : ""}:${port}`);
}

/** A single-node volume of `size`, of the given StorageClass or the cluster's default. */
export function readWriteOnceClaim(size: string, storageClassName: Input<string> | undefined): k8s.types.input.core.v1.PersistentVolumeClaimSpec {
  return { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: size } }, ...(storageClassName ? { storageClassName } : {}) };
}
