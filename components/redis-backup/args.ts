/** RedisBackup's arguments, their defaults and their validation. */
import type * as pulumi from "@pulumi/pulumi";
import { type NetworkPeer, selectorLabels } from "../lib/k8s";
import { ArgumentError, checkCpu, checkDnsLabel, checkInt, checkLabels, checkMemory, checkOneOf } from "../lib/validate";
import { REDIS_IMAGE } from "../redis/args";
import { PASSWORD_KEY } from "../redis/spec";

const COMPONENT = "RedisBackup";

/** Where the backups are kept. */
export enum BackupTarget {
  /** A PersistentVolumeClaim the component creates (kept when the stack is destroyed). */
  Pvc = "pvc",
  /** S3-compatible object storage (AWS S3, GCS's S3 API, Ceph, SeaweedFS, ...). */
  S3 = "s3",
}

/** The S3 client the job uses for BackupTarget.S3, pinned (the version tools/platform-tools.json builds for the tests). */
export const S3_CLIENT_IMAGE = "peakcom/s5cmd:v2.3.0";

export interface RedisBackupArgs {
  /** Namespace of every object. @default the Kubernetes provider's namespace */
  readonly namespace?: pulumi.Input<string>;
  /** `app.kubernetes.io/name` of the job's pods. @default the component name */
  readonly appName?: string;
  /** Image with redis-cli, redis-server and redis-check-rdb (and bash, gzip, sha256sum). @default REDIS_IMAGE (official `redis`, the Redis component's) */
  readonly image?: string;
  /** Standalone Redis host. Set this or `sentinels`. @default unset */
  readonly redisHost?: pulumi.Input<string>;
  /** Its port. @default 6379 */
  readonly redisPort?: number;
  /** Sentinel set: comma- or space-separated `host:port` list (Redis.sentinels). The snapshot comes from an in-sync replica. @default unset */
  readonly sentinels?: pulumi.Input<string>;
  /** Sentinel master name. @default "main" */
  readonly sentinelMasterName?: pulumi.Input<string>;
  /** Secret holding the Redis password. Required (no default). */
  readonly passwordSecretName: pulumi.Input<string>;
  /** Its key. @default "redis-password" (the Redis component's Secret) */
  readonly passwordSecretKey?: string;
  /** Labels the job's pods carry so that Redis admits them (Redis.clientLabels). Required (no default). */
  readonly clientLabels: Record<string, string>;
  /** The Redis (and Sentinel) pods, for the job's egress rule. Required (no default). */
  readonly redisPeer: NetworkPeer;
  /** Cron schedule, in UTC. @default "0 *\/6 * * *" (every 6 hours) */
  readonly schedule?: string;
  /** Backups kept whatever their age. @default 7 */
  readonly retainLast?: number;
  /** And the newest backup of each of this many last days. @default 7 */
  readonly retainDailyDays?: number;
  /** And the newest of each of this many last ISO weeks. @default 4 */
  readonly retainWeeklyWeeks?: number;
  /** Where the backups are kept. @default BackupTarget.Pvc */
  readonly target?: BackupTarget;
  /** S3 endpoint, e.g. https://s3.eu-west-1.amazonaws.com. Required for BackupTarget.S3. @default unset */
  readonly s3Endpoint?: string;
  /** Bucket. Required for BackupTarget.S3. @default unset */
  readonly s3Bucket?: string;
  /** Key prefix the backups go under. @default "redis-backups" */
  readonly s3Prefix?: string;
  /** Region. @default "us-east-1" */
  readonly s3Region?: string;
  /** Access key id and secret key (Pulumi secrets; kept in a Secret the component creates). Required for BackupTarget.S3. */
  readonly s3AccessKeyId?: pulumi.Input<string>;
  readonly s3SecretAccessKey?: pulumi.Input<string>;
  /** Image the job copies its S3 client (a static binary at /s5cmd) from. @default S3_CLIENT_IMAGE */
  readonly s3ClientImage?: string;
  /** Size of the PVC the backups are kept on (BackupTarget.Pvc). @default "2Gi" */
  readonly storageSize?: string;
  /** Its StorageClass. @default the cluster's default */
  readonly storageClassName?: pulumi.Input<string>;
  /** Scratch space of a run (snapshot, compressed copy, the verification's load): a few times the dataset. @default "2Gi" */
  readonly scratchSize?: string;
  /** Where the outcome is pushed (http://host:9091), and its pods for the egress rule. @default unset: logs only */
  readonly pushgatewayUrl?: pulumi.Input<string>;
  readonly pushgatewayPeer?: NetworkPeer;
  /** A run that has not started this long after its time is skipped. @default 600 */
  readonly startingDeadlineSeconds?: number;
  /** A run is stopped after this long. @default 3600 */
  readonly activeDeadlineSeconds?: number;
  /** Retries of a failed run. @default 1 */
  readonly backoffLimit?: number;
  /** CPU request. @default "50m" */
  readonly cpuRequest?: string;
  /** CPU limit. @default "1" */
  readonly cpuLimit?: string;
  /**
   * Memory request and limit: the verification loads the whole dataset into a throwaway redis-server, so
   * give it Redis' maxmemory plus about 100Mi. @default "512Mi"
   */
  readonly memory?: string;
}

export interface ResolvedS3Target {
  readonly endpoint: string;
  /** The endpoint's port, for the egress rule. */
  readonly port: number;
  readonly bucket: string;
  readonly prefix: string;
  readonly region: string;
  readonly clientImage: string;
}

export interface ResolvedRedisBackupArgs {
  readonly appName: string;
  readonly target: BackupTarget;
  /** Set for BackupTarget.S3. */
  readonly s3: ResolvedS3Target | undefined;
  readonly image: string;
  readonly redisPort: number;
  readonly sentinelMode: boolean;
  readonly passwordSecretKey: string;
  readonly clientLabels: Record<string, string>;
  readonly schedule: string;
  readonly intervalSeconds: number;
  readonly retainLast: number;
  readonly retainDailyDays: number;
  readonly retainWeeklyWeeks: number;
  readonly storageSize: string;
  readonly scratchSize: string;
  readonly startingDeadlineSeconds: number;
  readonly activeDeadlineSeconds: number;
  readonly backoffLimit: number;
  readonly cpuRequest: string;
  readonly cpuLimit: string;
  readonly memory: string;
}

const CRON_FORMS =
  '"M * * * *" (hourly), "M */N * * *" (every N hours), "*/N * * * *" (every N minutes), "M H * * *" (daily) or "M H * * D" (weekly), with M, H, D, N numbers';

/**
 * The period of a cron schedule, for the stale-backup alert (twice the period). Pure: the forms a backup
 * schedule takes; anything else is refused with those forms listed.
 */
export function cronIntervalSeconds(schedule: string): number {
  const f = schedule.trim().split(/\s+/);
  const n = (s: string | undefined, max: number) => (s !== undefined && /^\d+$/.test(s) && Number(s) <= max ? Number(s) : undefined);
  const step = (s: string | undefined, max: number) => (s?.startsWith("*/") ? n(s.slice(2), max) : undefined);
  if (f.length === 5 && f[2] === "*" && f[3] === "*") {
    const [m, h, , , d] = f;
    const everyMinutes = step(m, 59);
    if (everyMinutes && h === "*" && d === "*" && 60 % everyMinutes === 0) return everyMinutes * 60;
    if (n(m, 59) !== undefined && h === "*" && d === "*") return 3600;
    const everyHours = step(h, 23);
    if (n(m, 59) !== undefined && everyHours && d === "*" && 24 % everyHours === 0) return everyHours * 3600;
    if (n(m, 59) !== undefined && n(h, 23) !== undefined && d === "*") return 86_400;
    if (n(m, 59) !== undefined && n(h, 23) !== undefined && n(d, 7) !== undefined) return 604_800;
  }
  throw new ArgumentError(COMPONENT, "schedule", schedule, `use one of ${CRON_FORMS}.`);
}

function resolveS3(args: RedisBackupArgs): ResolvedS3Target {
  let url: URL | undefined;
  try {
    url = new URL(args.s3Endpoint ?? "");
  } catch {
    url = undefined;
  }
  if (!url || !/^https?:$/.test(url.protocol) || url.pathname !== "/" || url.search) {
    throw new ArgumentError(COMPONENT, "s3Endpoint", args.s3Endpoint, "set the S3 endpoint URL, e.g. https://s3.eu-west-1.amazonaws.com (no path).");
  }
  const bucket = args.s3Bucket ?? "";
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) throw new ArgumentError(COMPONENT, "s3Bucket", args.s3Bucket, "name the bucket (3 to 63 lower-case letters, digits, '.' or '-').");
  const prefix = args.s3Prefix ?? "redis-backups";
  if (!/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/.test(prefix)) throw new ArgumentError(COMPONENT, "s3Prefix", prefix, "use path segments of letters, digits, '.', '_' or '-', without leading or trailing '/'.");
  if (args.s3AccessKeyId === undefined || args.s3SecretAccessKey === undefined) {
    throw new ArgumentError(COMPONENT, "s3AccessKeyId", null, "set s3AccessKeyId and s3SecretAccessKey (as Pulumi secrets) for the S3 target.");
  }
  const clientImage = args.s3ClientImage ?? S3_CLIENT_IMAGE;
  if (!/[:@]/.test(clientImage.split("/").pop() ?? "")) throw new ArgumentError(COMPONENT, "s3ClientImage", clientImage, "pin a tag or digest.");
  return {
    endpoint: url.origin,
    port: url.port ? Number(url.port) : url.protocol === "https:" ? 443 : 80,
    bucket,
    prefix,
    region: args.s3Region ?? "us-east-1",
    clientImage,
  };
}

/** Pure: validates the args and resolves every default. */
export function resolveRedisBackupArgs(name: string, args: RedisBackupArgs): ResolvedRedisBackupArgs {
  if ((args.redisHost === undefined) === (args.sentinels === undefined)) {
    throw new ArgumentError(COMPONENT, "redisHost", args.redisHost ?? null, "set exactly one of redisHost (standalone) and sentinels (Sentinel set).");
  }
  const image = args.image ?? REDIS_IMAGE;
  if (!/[:@]/.test(image.split("/").pop() ?? "")) throw new ArgumentError(COMPONENT, "image", image, "pin a tag or digest, e.g. redis:8.8.0.");
  if (Object.keys(args.clientLabels).length === 0) throw new ArgumentError(COMPONENT, "clientLabels", {}, "pass Redis.clientLabels: without them Redis' NetworkPolicy refuses the job.");
  if ((args.pushgatewayUrl === undefined) !== (args.pushgatewayPeer === undefined)) {
    throw new ArgumentError(COMPONENT, "pushgatewayPeer", args.pushgatewayPeer ?? null, "set pushgatewayUrl and pushgatewayPeer together (the peer opens the job's egress to it).");
  }
  const schedule = args.schedule ?? "0 */6 * * *";
  const activeDeadlineSeconds = checkInt(COMPONENT, "activeDeadlineSeconds", args.activeDeadlineSeconds ?? 3600, 60, 86_400);
  const intervalSeconds = cronIntervalSeconds(schedule);
  if (activeDeadlineSeconds > intervalSeconds) {
    throw new ArgumentError(COMPONENT, "activeDeadlineSeconds", activeDeadlineSeconds, `must be at most the schedule's period (${intervalSeconds} s), so runs never pile up.`);
  }
  const target = checkOneOf(COMPONENT, "target", args.target ?? BackupTarget.Pvc, [BackupTarget.Pvc, BackupTarget.S3]);
  return {
    appName: checkDnsLabel(COMPONENT, "appName", args.appName ?? name),
    target,
    s3: target === BackupTarget.S3 ? resolveS3(args) : undefined,
    image,
    redisPort: checkInt(COMPONENT, "redisPort", args.redisPort ?? 6379, 1, 65535),
    sentinelMode: args.sentinels !== undefined,
    passwordSecretKey: args.passwordSecretKey ?? PASSWORD_KEY,
    clientLabels: checkLabels(COMPONENT, "clientLabels", args.clientLabels),
    schedule,
    intervalSeconds,
    retainLast: checkInt(COMPONENT, "retainLast", args.retainLast ?? 7, 1, 1000),
    retainDailyDays: checkInt(COMPONENT, "retainDailyDays", args.retainDailyDays ?? 7, 0, 366),
    retainWeeklyWeeks: checkInt(COMPONENT, "retainWeeklyWeeks", args.retainWeeklyWeeks ?? 4, 0, 520),
    storageSize: checkMemory(COMPONENT, "storageSize", args.storageSize ?? "2Gi"),
    scratchSize: checkMemory(COMPONENT, "scratchSize", args.scratchSize ?? "2Gi"),
    startingDeadlineSeconds: checkInt(COMPONENT, "startingDeadlineSeconds", args.startingDeadlineSeconds ?? 600, 10, 86_400),
    activeDeadlineSeconds,
    backoffLimit: checkInt(COMPONENT, "backoffLimit", args.backoffLimit ?? 1, 0, 10),
    cpuRequest: checkCpu(COMPONENT, "cpuRequest", args.cpuRequest ?? "50m"),
    cpuLimit: checkCpu(COMPONENT, "cpuLimit", args.cpuLimit ?? "1"),
    memory: checkMemory(COMPONENT, "memory", args.memory ?? "512Mi"),
  };
}

/** Name of the CronJob (fixed, so alerts, dashboards and the restore command can name it). */
export function redisBackupCronJobName(name: string, appName?: string): string {
  return appName ?? name;
}

/** The job's pods, as a peer (for the Pushgateway's ingress rule), known before the component exists. */
export function redisBackupPeer(name: string, appName?: string): NetworkPeer {
  return { podLabels: selectorLabels(appName ?? name, "redis-backup") };
}
