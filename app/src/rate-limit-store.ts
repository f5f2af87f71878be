import type { FastifyRateLimitOptions, FastifyRateLimitStore, FastifyRateLimitStoreCtor } from "@fastify/rate-limit";
import type { Redis } from "ioredis";

// The plugin's own stores; it documents custom stores but does not re-export these.
const RedisStore = require("@fastify/rate-limit/store/RedisStore") as new (continueExceeding: boolean, exponentialBackoff: boolean, redis: Redis, key?: string) => FastifyRateLimitStore;
const LocalStore = require("@fastify/rate-limit/store/LocalStore") as new (continueExceeding: boolean, exponentialBackoff: boolean, cache?: number) => FastifyRateLimitStore;

type IncrCallback = Parameters<FastifyRateLimitStore["incr"]>[1];
type ChildOptions = Parameters<FastifyRateLimitStore["child"]>[0];

export interface FallbackStoreDependencies {
  redis: Redis;
  /** Whether Redis should be tried at all (connected, breaker closed). */
  redisAvailable: () => boolean;
  /** Called each time a decision is taken by the per-process store. */
  onFallback: () => void;
}

/**
 * A rate-limit store shared through Redis across replicas that falls back to a per-process
 * counter while Redis is unavailable, so an outage never turns into failed requests
 * (and never into unlimited ones either).
 */
export function fallbackStore(deps: FallbackStoreDependencies): FastifyRateLimitStoreCtor {
  class FallbackStore implements FastifyRateLimitStore {
    constructor(
      _options: FastifyRateLimitOptions,
      private readonly shared: FastifyRateLimitStore = new RedisStore(false, false, deps.redis, "ratelimit:"),
      private readonly local: FastifyRateLimitStore = new LocalStore(false, false),
    ) {}

    incr(key: string, callback: IncrCallback, timeWindow: number, max: number): void {
      const useLocal = () => {
        deps.onFallback();
        this.local.incr(key, callback, timeWindow, max);
      };
      if (!deps.redisAvailable()) return useLocal();
      this.shared.incr(key, (error, result) => (error ? useLocal() : callback(null, result)), timeWindow, max);
    }

    child(routeOptions: ChildOptions): FastifyRateLimitStore {
      return new FallbackStore({}, this.shared.child(routeOptions), this.local.child(routeOptions));
    }
  }
  return FallbackStore;
}
