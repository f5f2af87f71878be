import type { FastifyRateLimitOptions, FastifyRateLimitStore, FastifyRateLimitStoreCtor } from "@fastify/rate-limit";
import type { Redis } from "ioredis";
import type { RedisGuard } from "./redis-guard";

// The plugin's own stores; it documents custom stores but does not re-export these.
const RedisStore = require("@fastify/rate-limit/store/RedisStore") as new (continueExceeding: boolean, exponentialBackoff: boolean, redis: Redis, key?: string) => FastifyRateLimitStore;
const LocalStore = require("@fastify/rate-limit/store/LocalStore") as new (continueExceeding: boolean, exponentialBackoff: boolean, cache?: number) => FastifyRateLimitStore;

type IncrCallback = Parameters<FastifyRateLimitStore["incr"]>[1];
type IncrResult = NonNullable<Parameters<IncrCallback>[1]>;
type ChildOptions = Parameters<FastifyRateLimitStore["child"]>[0];

export interface FallbackStoreDependencies {
  /** The breaker every Redis operation goes through: a frozen Redis costs the command timeout once, then fails fast. */
  guard: RedisGuard;
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
      private readonly shared: FastifyRateLimitStore = new RedisStore(false, false, deps.guard.redis, "ratelimit:"),
      private readonly local: FastifyRateLimitStore = new LocalStore(false, false),
    ) {}

    incr(key: string, callback: IncrCallback, timeWindow: number, max: number): void {
      const useLocal = () => {
        deps.onFallback();
        this.local.incr(key, callback, timeWindow, max);
      };
      // Skipped while the breaker is open, so the outage is not counted again on every request.
      if (!deps.guard.available) return useLocal();
      const shared = () =>
        new Promise<IncrResult>((resolve, reject) => this.shared.incr(key, (error, result) => (error || !result ? reject(error ?? new Error("no result")) : resolve(result)), timeWindow, max));
      deps.guard.run("rate_limit", shared).then((result) => callback(null, result), useLocal);
    }

    child(routeOptions: ChildOptions): FastifyRateLimitStore {
      return new FallbackStore({}, this.shared.child(routeOptions), this.local.child(routeOptions));
    }
  }
  return FallbackStore;
}
