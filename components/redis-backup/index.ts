import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { readWriteOnceClaim, recommendedLabels, selectorLabels } from "../lib/k8s";
import { type RedisBackupArgs, redisBackupCronJobName, resolveRedisBackupArgs } from "./args";
import { BACKUP_SCRIPT, BACKUP_SCRIPT_NAME } from "./scripts";
import { S3_ACCESS_KEY_ID_KEY, S3_SECRET_ACCESS_KEY_KEY, cronJobSpec, networkPolicySpec } from "./spec";

export * from "./args";
export { BACKUP_SCRIPT_PATH } from "./scripts";
export { cronJobSpec as redisBackupCronJobSpec } from "./spec";

/**
 * Verified backups of a Redis (standalone or Sentinel): a CronJob whose run snapshots Redis over the network
 * (from an in-sync replica in Sentinel mode), stores the compressed snapshot with its SHA-256 and a manifest
 * on a PVC, proves it by loading it into a throwaway redis-server, applies retention and pushes its outcome
 * to a Pushgateway. The same program lists, verifies and restores (redis-backup.sh; README "Backups").
 */
export class RedisBackup extends pulumi.ComponentResource {
  /** The CronJob's name. */
  readonly cronJobName: pulumi.Output<string>;
  /** The PVC the backups are kept on (BackupTarget.Pvc), else empty. */
  readonly claimName: pulumi.Output<string>;
  /** Where the backups are: the PVC's name, or s3://bucket/prefix. */
  readonly location: pulumi.Output<string>;
  /** The schedule's period in seconds (the stale-backup alert fires after twice that). */
  readonly intervalSeconds: number;

  constructor(name: string, args: RedisBackupArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:data:RedisBackup", name, {}, opts);
    const r = resolveRedisBackupArgs(name, args);
    const selector = selectorLabels(r.appName, "redis-backup");
    // Redis admits the job's pods by its client label.
    const podLabels = { ...recommendedLabels(r.appName, "redis-backup", name, r.image.split(":").pop()), ...r.clientLabels };
    const meta = { namespace: args.namespace, labels: recommendedLabels(r.appName, "redis-backup", name) };
    const child = { parent: this };

    const scripts = new k8s.core.v1.ConfigMap(`${name}-scripts`, { metadata: meta, data: { [BACKUP_SCRIPT_NAME]: BACKUP_SCRIPT } }, child);
    // Kept when the stack is destroyed: the backups outlive the Redis they came from.
    const claim = r.s3 ? undefined : new k8s.core.v1.PersistentVolumeClaim(`${name}-data`, { metadata: meta, spec: readWriteOnceClaim(r.storageSize, args.storageClassName) }, { ...child, retainOnDelete: true });
    const s3Secret = r.s3
      ? new k8s.core.v1.Secret(
          `${name}-s3`,
          { metadata: meta, type: "Opaque", stringData: { [S3_ACCESS_KEY_ID_KEY]: pulumi.secret(args.s3AccessKeyId as pulumi.Input<string>), [S3_SECRET_ACCESS_KEY_KEY]: pulumi.secret(args.s3SecretAccessKey as pulumi.Input<string>) } },
          { ...child, additionalSecretOutputs: ["data", "stringData"] },
        )
      : undefined;
    const cronJob = new k8s.batch.v1.CronJob(
      `${name}-cronjob`,
      {
        metadata: { ...meta, name: redisBackupCronJobName(name, args.appName) },
        spec: cronJobSpec(r, {
          scriptsConfigMapName: scripts.metadata.name,
          claimName: claim?.metadata.name,
          s3SecretName: s3Secret?.metadata.name,
          passwordSecretName: args.passwordSecretName,
          redisHost: args.redisHost,
          sentinels: args.sentinels,
          sentinelMasterName: args.sentinelMasterName,
          pushgatewayUrl: args.pushgatewayUrl,
          redisLabel: r.appName,
          podLabels,
        }),
      },
      child,
    );
    new k8s.networking.v1.NetworkPolicy(`${name}-netpol`, { metadata: meta, spec: networkPolicySpec(r, selector, args.redisPeer, args.pushgatewayPeer) }, child);

    this.cronJobName = cronJob.metadata.name;
    this.claimName = claim ? claim.metadata.name : pulumi.output("");
    this.location = r.s3 ? pulumi.output(`s3://${r.s3.bucket}/${r.s3.prefix}`) : this.claimName;
    this.intervalSeconds = r.intervalSeconds;
    this.registerOutputs({ cronJobName: this.cronJobName, claimName: this.claimName, location: this.location });
  }
}
