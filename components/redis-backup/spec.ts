/** Pure builders of RedisBackup's Kubernetes specs. */
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { DNS_EGRESS, type NetworkPeer, peerSelector, restrictedContainer, restrictedPod, tcpPorts } from "../lib/k8s";
import type { ResolvedRedisBackupArgs } from "./args";
import { BACKUP_SCRIPT_NAME } from "./scripts";

type Labels = Record<string, string>;
const REDIS_UID = 999; // the official image's redis user
export const BACKUP_DIR = "/backups";
const SENTINEL_PORT = 26379;

export interface RedisBackupParts {
  readonly scriptsConfigMapName: pulumi.Input<string>;
  readonly claimName: pulumi.Input<string>;
  readonly passwordSecretName: pulumi.Input<string>;
  readonly redisHost?: pulumi.Input<string>;
  readonly sentinels?: pulumi.Input<string>;
  readonly sentinelMasterName?: pulumi.Input<string>;
  readonly pushgatewayUrl?: pulumi.Input<string>;
  /** The `redis` grouping label of the pushed metrics. */
  readonly redisLabel: string;
  readonly podLabels: Labels;
}

/** What redis-backup.sh reads: where Redis is, its password, the store, the retention and the report. */
export function backupEnv(r: ResolvedRedisBackupArgs, parts: RedisBackupParts): k8s.types.input.core.v1.EnvVar[] {
  const where: k8s.types.input.core.v1.EnvVar[] = r.sentinelMode
    ? [
        { name: "SENTINEL_HOSTS", value: parts.sentinels },
        { name: "SENTINEL_MASTER", value: parts.sentinelMasterName ?? "main" },
      ]
    : [
        { name: "REDIS_HOST", value: parts.redisHost },
        { name: "REDIS_PORT", value: String(r.redisPort) },
      ];
  return [
    ...where,
    { name: "REDIS_PASSWORD", valueFrom: { secretKeyRef: { name: parts.passwordSecretName, key: r.passwordSecretKey } } },
    { name: "BACKUP_DIR", value: BACKUP_DIR },
    { name: "SCRATCH_DIR", value: "/scratch" },
    { name: "RETAIN_LAST", value: String(r.retainLast) },
    { name: "RETAIN_DAILY_DAYS", value: String(r.retainDailyDays) },
    { name: "RETAIN_WEEKLY_WEEKS", value: String(r.retainWeeklyWeeks) },
    ...(parts.pushgatewayUrl ? [{ name: "PUSHGATEWAY_URL", value: parts.pushgatewayUrl }] : []),
    { name: "BACKUP_NAMESPACE", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } },
    { name: "BACKUP_REDIS", value: parts.redisLabel },
  ];
}

/**
 * The CronJob: one run at a time (Forbid), skipped when it cannot start in time, stopped at its deadline,
 * retried once; the last runs kept for `kubectl logs`. The pod: the restricted profile, read-only root,
 * the store on the PVC, a scratch emptyDir, the script from the ConfigMap, no API token.
 */
export function cronJobSpec(r: ResolvedRedisBackupArgs, parts: RedisBackupParts): k8s.types.input.batch.v1.CronJobSpec {
  return {
    schedule: r.schedule,
    timeZone: "Etc/UTC",
    concurrencyPolicy: "Forbid",
    startingDeadlineSeconds: r.startingDeadlineSeconds,
    successfulJobsHistoryLimit: 3,
    failedJobsHistoryLimit: 3,
    jobTemplate: {
      metadata: { labels: parts.podLabels },
      spec: {
        backoffLimit: r.backoffLimit,
        activeDeadlineSeconds: r.activeDeadlineSeconds,
        template: podTemplate(r, parts, ["backup"]),
      },
    },
  };
}

/** The job's pod, running `redis-backup.sh ARGS`; the restore command reuses it with other ARGS. */
export function podTemplate(r: ResolvedRedisBackupArgs, parts: RedisBackupParts, args: string[]): k8s.types.input.core.v1.PodTemplateSpec {
  return {
    metadata: { labels: parts.podLabels },
    spec: {
      restartPolicy: "Never",
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      securityContext: restrictedPod(REDIS_UID),
      containers: [
        {
          name: "backup",
          image: r.image,
          command: ["bash", `/scripts/${BACKUP_SCRIPT_NAME}`],
          args,
          env: backupEnv(r, parts),
          resources: { requests: { cpu: r.cpuRequest, memory: r.memory }, limits: { cpu: r.cpuLimit, memory: r.memory } },
          securityContext: restrictedContainer(REDIS_UID),
          volumeMounts: [
            { name: "backups", mountPath: BACKUP_DIR },
            { name: "scratch", mountPath: "/scratch" },
            { name: "scripts", mountPath: "/scripts", readOnly: true },
          ],
        },
      ],
      volumes: [
        { name: "backups", persistentVolumeClaim: { claimName: parts.claimName } },
        { name: "scratch", emptyDir: { sizeLimit: r.scratchSize } },
        { name: "scripts", configMap: { name: parts.scriptsConfigMapName } },
      ],
    },
  };
}

export function claimSpec(r: ResolvedRedisBackupArgs, storageClassName: pulumi.Input<string> | undefined): k8s.types.input.core.v1.PersistentVolumeClaimSpec {
  return { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: r.storageSize } }, ...(storageClassName ? { storageClassName } : {}) };
}

/** In: nothing. Out: DNS, Redis (and Sentinel), and the Pushgateway when it reports there. */
export function networkPolicySpec(r: ResolvedRedisBackupArgs, selector: Labels, redisPeer: NetworkPeer, pushgatewayPeer: NetworkPeer | undefined): k8s.types.input.networking.v1.NetworkPolicySpec {
  return {
    podSelector: { matchLabels: selector },
    policyTypes: ["Ingress", "Egress"],
    ingress: [],
    egress: [
      DNS_EGRESS,
      { to: [peerSelector(redisPeer)], ports: tcpPorts(redisPeer.ports ?? (r.sentinelMode ? [r.redisPort, SENTINEL_PORT] : [r.redisPort])) },
      ...(pushgatewayPeer ? [{ to: [peerSelector(pushgatewayPeer)], ports: tcpPorts(pushgatewayPeer.ports ?? [9091]) }] : []),
    ],
  };
}
