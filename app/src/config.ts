import { isIP } from "node:net";
import { z } from "zod";
import { DEFAULT_BODY_LIMIT_BYTES } from "./note-limits";

/** Raised when an environment variable is missing or invalid; the message is one line naming it. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

const booleanFlag = z
  .enum(["true", "false", "1", "0", "yes", "no"], { message: "expected true or false" })
  .transform((value) => value === "true" || value === "1" || value === "yes");

const integer = (min: number, max: number) =>
  z.coerce
    .number({ message: "expected a whole number" })
    .int({ message: "expected a whole number" })
    .min(min, { message: `expected a whole number from ${min} to ${max}` })
    .max(max, { message: `expected a whole number from ${min} to ${max}` });

const commaList = z
  .string()
  .transform((value) => value.split(",").map((item) => item.trim()).filter((item) => item.length > 0));

const hostPort = z.string().regex(/^[A-Za-z0-9.-]+:\d{1,5}$/, { message: "expected host:port" });

const redisUrl = z
  .string()
  .url({ message: "expected a URL such as redis://:password@host:6379/0" })
  .refine((value) => /^rediss?:\/\//.test(value), { message: "expected a redis:// or rediss:// URL" });

/** Names proxy-addr (Fastify's trustProxy) understands besides addresses. */
const PROXY_RANGE_NAMES = ["loopback", "linklocal", "uniquelocal"];

function isAddressOrCidr(entry: string): boolean {
  if (PROXY_RANGE_NAMES.includes(entry)) return true;
  const [address = "", prefix, ...rest] = entry.split("/");
  const version = isIP(address);
  if (version === 0 || rest.length > 0) return false;
  return prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= (version === 4 ? 32 : 128));
}

/** false, a hop count, or the proxies' addresses; never "trust everyone", which lets clients pick their IP. */
const trustProxy = z.string().transform((value, ctx): false | number | string[] => {
  if (value === "false") return false;
  if (/^\d+$/.test(value)) return Number(value);
  const entries = value.split(",").map((entry) => entry.trim()).filter((entry) => entry.length > 0);
  if (value === "true") {
    ctx.addIssue({
      code: "custom",
      message: "trusting every proxy lets any client choose its IP with X-Forwarded-For and bypass the rate limit; set the number of proxies in front (e.g. 1) or their IPs/CIDRs",
    });
  } else if (entries.length === 0 || !entries.every(isAddressOrCidr)) {
    ctx.addIssue({ code: "custom", message: "expected false, a number of proxy hops, or a comma list of proxy IPs/CIDRs" });
  }
  return entries;
});

/** Every environment variable the service reads, with its default. Documented in app/README.md. */
const environmentSchema = z.object({
  PORT: integer(0, 65535).default(8080),
  HOST: z.string().min(1).default("0.0.0.0"),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  REDIS_URL: redisUrl.optional(),
  REDIS_PASSWORD: z.string().optional(),
  REDIS_SENTINELS: commaList.pipe(z.array(hostPort).min(1, { message: "expected host:port[,host:port...]" })).optional(),
  REDIS_SENTINEL_MASTER: z.string().min(1).default("main"),
  REDIS_SENTINEL_PASSWORD: z.string().optional(),
  /** Database index for Sentinel connections; with REDIS_URL the index is the URL path. */
  REDIS_DB: integer(0, 15).default(0),
  REDIS_COMMAND_TIMEOUT_MS: integer(10, 60_000).default(1000),
  READINESS_REQUIRES_REDIS: booleanFlag.default(false),
  RATE_LIMIT_MAX: integer(1, 1_000_000).default(100),
  RATE_LIMIT_WINDOW_MS: integer(100, 86_400_000).default(60_000),
  TRUST_PROXY: trustProxy.default(false),
  CORS_ORIGINS: commaList.default([]),
  BODY_LIMIT_BYTES: integer(1024, 10 * 1024 * 1024).default(DEFAULT_BODY_LIMIT_BYTES),
  REQUEST_TIMEOUT_MS: integer(100, 600_000).default(10_000),
  CONNECTION_TIMEOUT_MS: integer(100, 600_000).default(30_000),
  CACHE_MAX_ENTRIES: integer(0, 1_000_000).default(1000),
  CACHE_MAX_BYTES: integer(0, 1024 * 1024 * 1024).default(8 * 1024 * 1024),
  CACHE_TTL_MS: integer(100, 86_400_000).default(300_000),
  BREAKER_RESET_MS: integer(100, 600_000).default(2000),
  SHUTDOWN_DRAIN_DELAY_MS: integer(0, 600_000).default(5000),
  SHUTDOWN_GRACE_MS: integer(0, 600_000).default(20_000),
  METRICS_ENABLED: booleanFlag.default(true),
  METRICS_PORT: integer(0, 65535).optional(),
  REQUEST_LOGGING: booleanFlag.default(true),
});

export type Environment = z.infer<typeof environmentSchema>;

export type RedisTarget =
  | { kind: "url"; url: string; password?: string }
  | { kind: "sentinel"; sentinels: { host: string; port: number }[]; masterName: string; password?: string; sentinelPassword?: string; db: number };

export interface Config {
  port: number;
  host: string;
  logLevel: Environment["LOG_LEVEL"];
  redis: RedisTarget;
  redisCommandTimeoutMs: number;
  readinessRequiresRedis: boolean;
  rateLimit: { max: number; windowMs: number };
  trustProxy: false | number | string[];
  corsOrigins: string[];
  bodyLimitBytes: number;
  requestTimeoutMs: number;
  connectionTimeoutMs: number;
  cache: { maxEntries: number; maxBytes: number; ttlMs: number };
  breakerResetMs: number;
  shutdown: { drainDelayMs: number; graceMs: number };
  metricsEnabled: boolean;
  /** Serve /metrics on this port instead of the main one. */
  metricsPort: number | undefined;
  requestLogging: boolean;
}

function describeIssue(issue: z.core.$ZodIssue, env: NodeJS.ProcessEnv): string {
  const variable = String(issue.path[0] ?? "environment");
  const raw = env[variable];
  // Never echo values of variables that may hold secrets.
  const shown = raw === undefined ? "unset" : /PASSWORD|URL/.test(variable) ? "(value hidden)" : JSON.stringify(raw);
  return `${variable}=${shown}: ${issue.message}`;
}

/** Reads and validates the service's settings from environment variables. Throws ConfigError. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // Empty strings mean "not set", as they do for most container platforms.
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ""));
  const parsed = environmentSchema.safeParse(present);
  if (!parsed.success) {
    throw new ConfigError(`invalid configuration: ${parsed.error.issues.map((issue) => describeIssue(issue, env)).join("; ")}`);
  }
  const e = parsed.data;
  return {
    port: e.PORT,
    host: e.HOST,
    logLevel: e.LOG_LEVEL,
    redis: redisTarget(e),
    redisCommandTimeoutMs: e.REDIS_COMMAND_TIMEOUT_MS,
    readinessRequiresRedis: e.READINESS_REQUIRES_REDIS,
    rateLimit: { max: e.RATE_LIMIT_MAX, windowMs: e.RATE_LIMIT_WINDOW_MS },
    trustProxy: e.TRUST_PROXY,
    corsOrigins: e.CORS_ORIGINS,
    bodyLimitBytes: e.BODY_LIMIT_BYTES,
    requestTimeoutMs: e.REQUEST_TIMEOUT_MS,
    connectionTimeoutMs: e.CONNECTION_TIMEOUT_MS,
    cache: { maxEntries: e.CACHE_MAX_ENTRIES, maxBytes: e.CACHE_MAX_BYTES, ttlMs: e.CACHE_TTL_MS },
    breakerResetMs: e.BREAKER_RESET_MS,
    shutdown: { drainDelayMs: e.SHUTDOWN_DRAIN_DELAY_MS, graceMs: e.SHUTDOWN_GRACE_MS },
    metricsEnabled: e.METRICS_ENABLED,
    metricsPort: metricsPort(e),
    requestLogging: e.REQUEST_LOGGING,
  };
}

function metricsPort(e: Environment): number | undefined {
  if (e.METRICS_PORT !== undefined && e.METRICS_PORT !== 0 && e.METRICS_PORT === e.PORT) {
    throw new ConfigError(`invalid configuration: METRICS_PORT="${e.METRICS_PORT}": must differ from PORT`);
  }
  return e.METRICS_PORT;
}

function redisTarget(e: Environment): RedisTarget {
  if (e.REDIS_SENTINELS && e.REDIS_URL) {
    throw new ConfigError("invalid configuration: REDIS_URL and REDIS_SENTINELS are both set: set REDIS_URL for a single Redis, or REDIS_SENTINELS with REDIS_SENTINEL_MASTER for Sentinel, not both");
  }
  if (e.REDIS_SENTINELS) {
    return {
      kind: "sentinel",
      sentinels: e.REDIS_SENTINELS.map((entry) => {
        const [host = "", port = ""] = entry.split(":");
        return { host, port: Number(port) };
      }),
      masterName: e.REDIS_SENTINEL_MASTER,
      password: e.REDIS_PASSWORD,
      sentinelPassword: e.REDIS_SENTINEL_PASSWORD,
      db: e.REDIS_DB,
    };
  }
  if (!e.REDIS_URL) {
    throw new ConfigError("invalid configuration: REDIS_URL=unset: set REDIS_URL (e.g. redis://:password@localhost:6379/0) or REDIS_SENTINELS with REDIS_SENTINEL_MASTER");
  }
  return { kind: "url", url: e.REDIS_URL, password: e.REDIS_PASSWORD };
}
