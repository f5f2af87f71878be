import { Redis, type RedisOptions } from "ioredis";
import type { RedisTarget } from "./config";

/**
 * Connects to Redis by URL or through Sentinel. Commands fail fast while disconnected
 * (no offline queue) so a Redis outage turns into quick errors the circuit breaker sees,
 * never into requests that hang; ioredis keeps reconnecting in the background.
 */
export function createRedis(target: RedisTarget, commandTimeoutMs: number): Redis {
  const common: RedisOptions = {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    // Commands issued in the same tick (concurrent requests) go to Redis in one write: fewer syscalls and
    // fewer wake-ups for Redis under load; each command still gets its own reply and error.
    enableAutoPipelining: true,
    commandTimeout: commandTimeoutMs,
    connectTimeout: Math.max(commandTimeoutMs, 2000),
    retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
  };
  if (target.kind === "sentinel") {
    return new Redis({
      ...common,
      sentinels: target.sentinels,
      name: target.masterName,
      password: target.password,
      sentinelPassword: target.sentinelPassword,
      db: target.db,
      sentinelRetryStrategy: (attempt) => Math.min(attempt * 200, 2000),
      // Follow a failover as soon as Sentinel announces it (+switch-master) ...
      failoverDetector: true,
      // ... and, should a write reach a demoted master first, reconnect to the new one.
      reconnectOnError: (error) => (error.message.startsWith("READONLY") ? 2 : false),
    });
  }
  return new Redis(target.url, target.password === undefined ? common : { ...common, password: target.password });
}
