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
      bodyLimitBytes: 16_384,
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
    [{ REDIS_URL: "redis://r:6379", TRUST_PROXY: "yes please" }, 'TRUST_PROXY="yes please": expected true, false or a number of proxy hops'],
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

  it("never echoes a Redis URL or password in its error", () => {
    expect(() => loadConfig({ REDIS_URL: "http://:hunter2@r:6379" })).toThrow(/REDIS_URL=\(value hidden\): expected a redis:\/\/ or rediss:\/\/ URL/);
    expect(() => loadConfig({ REDIS_URL: "http://:hunter2@r:6379" })).not.toThrow(/hunter2/);
  });

  it("treats empty variables as unset", () => {
    expect(loadConfig({ REDIS_URL: "redis://r:6379", PORT: "" }).port).toBe(8080);
  });
});
