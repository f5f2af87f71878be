import { loadConfig, type Config } from "../../src/config";

/** Service settings for tests: fast breaker, no shutdown delay, quiet logs unless asked. */
export function testConfig(redisUrl: string, env: Record<string, string> = {}): Config {
  return loadConfig({
    REDIS_URL: redisUrl,
    LOG_LEVEL: "silent",
    BREAKER_RESET_MS: "300",
    REDIS_COMMAND_TIMEOUT_MS: "500",
    SHUTDOWN_DRAIN_DELAY_MS: "0",
    ...env,
  });
}
