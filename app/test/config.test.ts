import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../src/config";

describe("loadConfig", () => {
  it("applies documented defaults when only REDIS_URL is set", () => {
    const config = loadConfig({ REDIS_URL: "redis://:secret@redis:6379/0" });
    expect(config).toMatchObject({
      port: 8080,
      host: "0.0.0.0",
      logLevel: "info",
      redis: { kind: "url", url: "redis://:secret@redis:6379/0" },
      readinessRequiresRedis: false,
      rateLimit: { max: 100, windowMs: 60_000 },
      trustProxy: false,
      corsOrigins: [],
      // 12 bytes per character (an escaped surrogate pair) × (200 + 10 000 + 20 × 50) + 4096: the largest valid note fits.
      bodyLimitBytes: 138_496,
      requestTimeoutMs: 10_000,
      connectionTimeoutMs: 30_000,
      cache: { maxEntries: 1000, maxBytes: 8 * 1024 * 1024, ttlMs: 300_000 },
      metricsPort: undefined,
      shutdown: { drainDelayMs: 5000, graceMs: 20_000 },
      metricsEnabled: true,
      requestLogging: true,
    });
  });

  it("reads Sentinel addresses, master name and passwords", () => {
    const config = loadConfig({
      REDIS_SENTINELS: "s0.redis:26379, s1.redis:26379",
      REDIS_SENTINEL_MASTER: "notes",
      REDIS_PASSWORD: "p",
      REDIS_SENTINEL_PASSWORD: "sp",
      REDIS_DB: "2",
    });
    expect(config.redis).toEqual({
      kind: "sentinel",
      sentinels: [
        { host: "s0.redis", port: 26379 },
        { host: "s1.redis", port: 26379 },
      ],
      masterName: "notes",
      password: "p",
      sentinelPassword: "sp",
      db: 2,
    });
  });

  it("parses flags, lists and proxy hops", () => {
    const config = loadConfig({ REDIS_URL: "redis://r:6379", READINESS_REQUIRES_REDIS: "true", CORS_ORIGINS: "https://a.example, https://b.example", TRUST_PROXY: "2", METRICS_ENABLED: "0" });
    expect(config.readinessRequiresRedis).toBe(true);
    expect(config.corsOrigins).toEqual(["https://a.example", "https://b.example"]);
    expect(config.trustProxy).toBe(2);
    expect(config.metricsEnabled).toBe(false);
  });

  it.each([
    [{ REDIS_URL: "redis://r:6379", PORT: "80a" }, 'PORT="80a": expected a whole number'],
    [{ REDIS_URL: "redis://r:6379", PORT: "70000" }, 'PORT="70000": expected a whole number from 0 to 65535'],
    [{ REDIS_URL: "redis://r:6379", LOG_LEVEL: "loud" }, 'LOG_LEVEL="loud"'],
    [{ REDIS_URL: "redis://r:6379", READINESS_REQUIRES_REDIS: "maybe" }, 'READINESS_REQUIRES_REDIS="maybe": expected true or false'],
    [{ REDIS_URL: "redis://r:6379", RATE_LIMIT_MAX: "0" }, 'RATE_LIMIT_MAX="0": expected a whole number from 1 to 1000000'],
    [{ REDIS_URL: "redis://r:6379", TRUST_PROXY: "yes please" }, 'TRUST_PROXY="yes please": expected false, a number of proxy hops, or a comma list of proxy IPs/CIDRs'],
    [{ REDIS_URL: "redis://r:6379", TRUST_PROXY: "true" }, 'TRUST_PROXY="true": trusting every proxy lets any client choose its IP with X-Forwarded-For and bypass the rate limit'],
    [{ REDIS_URL: "redis://r:6379", TRUST_PROXY: "10.0.0.0/33" }, 'TRUST_PROXY="10.0.0.0/33": expected false, a number of proxy hops'],
    [{ REDIS_URL: "redis://r:6379", PORT: "9000", METRICS_PORT: "9000" }, 'METRICS_PORT="9000": must differ from PORT'],
    [{ REDIS_SENTINELS: "just-a-host" }, 'REDIS_SENTINELS="just-a-host": expected host:port'],
    [{}, "REDIS_URL=unset: set REDIS_URL"],
    [{ REDIS_URL: "redis://r:6379", REDIS_SENTINELS: "s:26379" }, "REDIS_URL and REDIS_SENTINELS are both set"],
  ])("rejects %o with one line naming the variable", (env, expected) => {
    let error: unknown;
    try {
      loadConfig(env);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toContain(expected);
    expect(message).not.toContain("\n");
  });

  it("accepts TRUST_PROXY as false, a hop count (the platform passes 1) or a list of proxy IPs/CIDRs", () => {
    expect(loadConfig({ REDIS_URL: "redis://r:6379", TRUST_PROXY: "false" }).trustProxy).toBe(false);
    expect(loadConfig({ REDIS_URL: "redis://r:6379", TRUST_PROXY: "1" }).trustProxy).toBe(1);
    expect(loadConfig({ REDIS_URL: "redis://r:6379", TRUST_PROXY: "10.0.0.0/8, 192.168.1.7,fd00::/8,loopback" }).trustProxy).toEqual(["10.0.0.0/8", "192.168.1.7", "fd00::/8", "loopback"]);
  });

  it("defaults the Sentinel master name to the platform's (main)", () => {
    expect(loadConfig({ REDIS_SENTINELS: "s0.redis:26379" }).redis).toMatchObject({ kind: "sentinel", masterName: "main" });
  });

  it("reads the cache bounds, HTTP timeouts and metrics port", () => {
    const config = loadConfig({ REDIS_URL: "redis://r:6379", CACHE_MAX_BYTES: "65536", CACHE_TTL_MS: "1000", REQUEST_TIMEOUT_MS: "5000", CONNECTION_TIMEOUT_MS: "7000", METRICS_PORT: "9464" });
    expect(config).toMatchObject({ cache: { maxBytes: 65_536, ttlMs: 1000 }, requestTimeoutMs: 5000, connectionTimeoutMs: 7000, metricsPort: 9464 });
  });

  it("never echoes a Redis URL or password in its error", () => {
    expect(() => loadConfig({ REDIS_URL: "http://:hunter2@r:6379" })).toThrow(/REDIS_URL=\(value hidden\): expected a redis:\/\/ or rediss:\/\/ URL/);
    expect(() => loadConfig({ REDIS_URL: "http://:hunter2@r:6379" })).not.toThrow(/hunter2/);
  });

  it("treats empty variables as unset", () => {
    expect(loadConfig({ REDIS_URL: "redis://r:6379", PORT: "" }).port).toBe(8080);
  });
});
