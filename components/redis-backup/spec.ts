/** Pure builders of RedisBackup's Kubernetes specs. */
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { DNS_EGRESS, type NetworkPeer, peerSelector, restrictedContainer, restrictedPod, tcpPorts } from "../lib/k8s";
import { BackupTarget, type ResolvedRedisBackupArgs } from "./args";
import { BACKUP_SCRIPT_NAME } from "./scripts";

type Labels = Record<string, string>;
const REDIS_UID = 999; // the official image's redis user
export const BACKUP_DIR = "/backups";
const SENTINEL_PORT = 26379;
/** Keys of the S3 credentials Secret. */
export const S3_ACCESS_KEY_ID_KEY = "access-key-id";
export const S3_SECRET_ACCESS_KEY_KEY = "secret-access-key";
/** Where the S3 client is copied to, first on the container's PATH. */
const TOOLS_DIR = "/tools";

export interface RedisBackupParts {
  readonly scriptsConfigMapName: pulumi.Input<string>;
  /** The backups' PVC (BackupTarget.Pvc). */
  readonly claimName?: pulumi.Input<string>;
  /** The S3 credentials Secret (BackupTarget.S3). */
  readonly s3SecretName?: pulumi.Input<string>;
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
  const s3 = r.s3;
  const store: k8s.types.input.core.v1.EnvVar[] = s3
    ? [
        { name: "BACKUP_TARGET", value: "s3" },
        { name: "S3_ENDPOINT", value: s3.endpoint },
        { name: "S3_BUCKET", value: s3.bucket },
        { name: "S3_PREFIX", value: s3.prefix },
        { name: "AWS_REGION", value: s3.region },
        { name: "AWS_ACCESS_KEY_ID", valueFrom: { secretKeyRef: { name: parts.s3SecretName, key: S3_ACCESS_KEY_ID_KEY } } },
        { name: "AWS_SECRET_ACCESS_KEY", valueFrom: { secretKeyRef: { name: parts.s3SecretName, key: S3_SECRET_ACCESS_KEY_KEY } } },
        { name: "PATH", value: `${TOOLS_DIR}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin` },
      ]
    : [
        { name: "BACKUP_TARGET", value: "pvc" },
        { name: "BACKUP_DIR", value: BACKUP_DIR },
      ];
  return [
    ...where,
    { name: "REDIS_PASSWORD", valueFrom: { secretKeyRef: { name: parts.passwordSecretName, key: r.passwordSecretKey } } },
    ...store,
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

/** The job's pod, running `redis-backup.sh ARGS`; tools/redis-backup-job.sh reuses it with other ARGS. */
export function podTemplate(r: ResolvedRedisBackupArgs, parts: RedisBackupParts, args: string[]): k8s.types.input.core.v1.PodTemplateSpec {
  const s3 = r.s3;
  const store: { mounts: k8s.types.input.core.v1.VolumeMount[]; volumes: k8s.types.input.core.v1.Volume[] } = s3
    ? { mounts: [{ name: "tools", mountPath: TOOLS_DIR, readOnly: true }], volumes: [{ name: "tools", emptyDir: { sizeLimit: "64Mi" } }] }
    : { mounts: [{ name: "backups", mountPath: BACKUP_DIR }], volumes: [{ name: "backups", persistentVolumeClaim: { claimName: parts.claimName as pulumi.Input<string> } }] };
  const resources = { requests: { cpu: r.cpuRequest, memory: r.memory }, limits: { cpu: r.cpuLimit, memory: r.memory } };
  return {
    metadata: { labels: parts.podLabels },
    spec: {
      restartPolicy: "Never",
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      securityContext: restrictedPod(REDIS_UID),
      // The S3 client is a static binary in its own image: copied beside the redis tools, which the job needs too.
      ...(s3
        ? {
            initContainers: [
              {
                name: "s3-client",
                image: s3.clientImage,
                command: ["cp", "/s5cmd", `${TOOLS_DIR}/s5cmd`],
                resources: { requests: { cpu: "10m", memory: "16Mi" }, limits: { cpu: "100m", memory: "16Mi" } },
                securityContext: restrictedContainer(REDIS_UID),
                volumeMounts: [{ name: "tools", mountPath: TOOLS_DIR }],
              },
            ],
          }
        : {}),
      containers: [
        {
          name: "backup",
          image: r.image,
          command: ["bash", `/scripts/${BACKUP_SCRIPT_NAME}`],
          args,
          env: backupEnv(r, parts),
          resources,
          securityContext: restrictedContainer(REDIS_UID),
          volumeMounts: [...store.mounts, { name: "scratch", mountPath: "/scratch" }, { name: "scripts", mountPath: "/scripts", readOnly: true }],
        },
      ],
      volumes: [...store.volumes, { name: "scratch", emptyDir: { sizeLimit: r.scratchSize } }, { name: "scripts", configMap: { name: parts.scriptsConfigMapName } }],
    },
  };
}

/** In: nothing. Out: DNS, Redis (and Sentinel), the S3 endpoint's port (object storage is outside the cluster), and the Pushgateway when it reports there. */
export function networkPolicySpec(r: ResolvedRedisBackupArgs, selector: Labels, redisPeer: NetworkPeer, pushgatewayPeer: NetworkPeer | undefined): k8s.types.input.networking.v1.NetworkPolicySpec {
  return {
    podSelector: { matchLabels: selector },
    policyTypes: ["Ingress", "Egress"],
    ingress: [],
    egress: [
      DNS_EGRESS,
      { to: [peerSelector(redisPeer)], ports: tcpPorts(redisPeer.ports ?? (r.sentinelMode ? [r.redisPort, SENTINEL_PORT] : [r.redisPort])) },
      ...(r.s3 ? [{ to: [{ ipBlock: { cidr: "0.0.0.0/0" } }], ports: tcpPorts([r.s3.port]) }] : []),
      ...(pushgatewayPeer ? [{ to: [peerSelector(pushgatewayPeer)], ports: tcpPorts(pushgatewayPeer.ports ?? [9091]) }] : []),
    ],
  };
}
