import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { clientLabels, oneUnavailableBudget, recommendedLabels, selectorLabels } from "../lib/k8s";
import { type RedisArgs, resolveRedisArgs } from "./args";
import { REDIS_SCRIPTS } from "./scripts";
import {
  PASSWORD_KEY,
  REDIS_PORT,
  clientServiceSpec,
  headlessServiceSpec,
  isSentinelMode,
  networkPolicySpec,
  redisStatefulSetName,
  sentinelAddresses,
  serviceDomain,
  statefulSetSpec,
} from "./spec";

export * from "./args";
export * from "./scripts";

/**
 * Redis on a StatefulSet: password from @pulumi/random in a Secret, AOF on a
 * PVC, redis_exporter sidecar, NetworkPolicy; in Sentinel mode replicas with a
 * Sentinel beside each, a PDB and anti-affinity.
 */
export class Redis extends pulumi.ComponentResource {
  /** Client Service host (standalone: Redis on 6379; Sentinel: Sentinel on 26379). */
  readonly host: pulumi.Output<string>;
  /** Redis port. */
  readonly port: pulumi.Output<number>;
  /** `redis://host:6379/0` without password (standalone mode; the client host in Sentinel mode too, for tools). */
  readonly url: pulumi.Output<string>;
  /** Comma list of Sentinel `host:26379` (Sentinel mode), empty otherwise. */
  readonly sentinels: pulumi.Output<string>;
  /** Sentinel master name. */
  readonly masterName: pulumi.Output<string>;
  /** The same as a plain value in Sentinel mode (for alert rules), undefined in standalone mode. */
  readonly sentinelMasterName: string | undefined;
  /** Secret holding the password. */
  readonly passwordSecretName: pulumi.Output<string>;
  /** Key of the password in that Secret. */
  readonly passwordSecretKey: pulumi.Output<string>;
  /** The password itself, as a Pulumi secret. */
  readonly password: pulumi.Output<string>;
  /** Labels of the Redis pods. */
  readonly podLabels: pulumi.Output<Record<string, string>>;
  /**
   * Labels a client's pods carry to be admitted by the NetworkPolicy (the client-label rule, lib/k8s.ts).
   * A plain value, known when the component is constructed, so clients can put it in their pod templates.
   */
  readonly clientLabels: Record<string, string>;
  /** Labels selecting the Redis pods, for the egress rules of clients; a plain value like clientLabels. */
  readonly podSelector: Record<string, string>;
  /** Name of the StatefulSet. */
  readonly statefulSetName: pulumi.Output<string>;

  constructor(name: string, args: RedisArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:data:Redis", name, {}, opts);
    const r = resolveRedisArgs(name, args);
    const selector = selectorLabels(r.appName, "redis");
    const labels = recommendedLabels(r.appName, "redis", name, r.image.split(":").pop());
    const meta = { namespace: args.namespace, labels };
    const child = { parent: this };

    const password = pulumi.secret(args.password ?? new random.RandomPassword(`${name}-password`, { length: 32, special: false }, child).result);
    const secret = new k8s.core.v1.Secret(
      `${name}-password`,
      { metadata: meta, type: "Opaque", stringData: { [PASSWORD_KEY]: password } },
      { ...child, additionalSecretOutputs: ["data", "stringData"] },
    );
    const scripts = new k8s.core.v1.ConfigMap(`${name}-scripts`, { metadata: meta, data: { ...REDIS_SCRIPTS } }, child);
    const headless = new k8s.core.v1.Service(`${name}-headless`, { metadata: meta, spec: headlessServiceSpec(r, selector) }, child);
    const client = new k8s.core.v1.Service(`${name}-client`, { metadata: meta, spec: clientServiceSpec(r, selector) }, child);

    const statefulSetName = redisStatefulSetName(name);
    const statefulSet = new k8s.apps.v1.StatefulSet(
      `${name}-statefulset`,
      {
        metadata: { ...meta, name: statefulSetName },
        spec: statefulSetSpec(r, {
          passwordSecretName: secret.metadata.name,
          headlessServiceName: headless.metadata.name,
          statefulSetName,
          scriptsConfigMapName: scripts.metadata.name,
          selector,
          podLabels: labels,
          storageClassName: args.storageClassName,
        }),
      },
      child,
    );
    // Sentinel mode only: one pod down at a time keeps the quorum during node drains.
    if (isSentinelMode(r)) {
      new k8s.policy.v1.PodDisruptionBudget(`${name}-pdb`, { metadata: meta, spec: oneUnavailableBudget(selector) }, child);
    }
    new k8s.networking.v1.NetworkPolicy(`${name}-netpol`, { metadata: meta, spec: networkPolicySpec(r, selector) }, child);

    const domain = pulumi.output(args.namespace).apply(serviceDomain);
    this.host = pulumi.interpolate`${client.metadata.name}${domain}`;
    this.port = pulumi.output(REDIS_PORT);
    this.url = pulumi.interpolate`redis://${this.host}:${REDIS_PORT}/0`;
    this.sentinels = isSentinelMode(r)
      ? pulumi.all([headless.metadata.name, domain]).apply(([h, d]) => sentinelAddresses(statefulSetName, h, d, r.replicas))
      : pulumi.output("");
    this.masterName = pulumi.output(r.masterName);
    this.sentinelMasterName = isSentinelMode(r) ? r.masterName : undefined;
    this.passwordSecretName = secret.metadata.name;
    this.passwordSecretKey = pulumi.output(PASSWORD_KEY);
    this.password = password;
    this.podLabels = pulumi.output(selector);
    this.clientLabels = clientLabels(r.appName);
    this.podSelector = selector;
    this.statefulSetName = statefulSet.metadata.name;
    this.registerOutputs({
      host: this.host,
      port: this.port,
      url: this.url,
      sentinels: this.sentinels,
      masterName: this.masterName,
      passwordSecretName: this.passwordSecretName,
      passwordSecretKey: this.passwordSecretKey,
      password: this.password,
      podLabels: this.podLabels,
      statefulSetName: this.statefulSetName,
    });
  }
}
