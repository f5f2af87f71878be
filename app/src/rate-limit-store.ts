import type { FastifyRateLimitOptions, FastifyRateLimitStore, FastifyRateLimitStoreCtor } from "@fastify/rate-limit";
import type { Redis } from "ioredis";
import type { RedisGuard } from "./redis-guard";

// The plugin's per-process store; it documents custom stores but does not re-export it.
const LocalStore = require("@fastify/rate-limit/store/LocalStore") as new (continueExceeding: boolean, exponentialBackoff: boolean, cache?: number) => FastifyRateLimitStore;

type IncrCallback = Parameters<FastifyRateLimitStore["incr"]>[1];
type IncrResult = NonNullable<Parameters<IncrCallback>[1]>;
type ChildOptions = Parameters<FastifyRateLimitStore["child"]>[0] & { routeInfo: { method: string; url: string } };

/** Where the shared counters live: `ratelimit:<client>`, and `ratelimit:<METHOD><url>-<client>` for a route's own limit. */
const KEY_PREFIX = "ratelimit:";

/** At most this many counters in one Redis call, so that one script never runs long. */
const MAX_KEYS_PER_CALL = 256;

/**
 * The plugin's Redis store, for many counters in one call: per key, INCRBY the number of requests waiting on it,
 * start its window when the key is new (or has lost its expiry), and return the count and the window's
 * remaining milliseconds.
 */
const INCR_MANY_SCRIPT = `
local out = {}
for i, key in ipairs(KEYS) do
  local by = tonumber(ARGV[2 * i - 1])
  local window = tonumber(ARGV[2 * i])
  local current = redis.call('INCRBY', key, by)
  local ttl = redis.call('PTTL', key)
  if current == by or ttl < 0 then
    redis.call('PEXPIRE', key, window)
    ttl = window
  end
  out[i] = {current, ttl}
end
return out`;

interface RateLimitRedis extends Redis {
  rateLimitIncrMany(numberOfKeys: number, ...keysThenArgs: (string | number)[]): Promise<[number, number][]>;
}

interface Waiter {
  resolve: (result: IncrResult) => void;
  reject: (error: unknown) => void;
}

/**
 * The shared counters' increments, sent together: every request that arrives in one turn of the event loop
 * waits for the same Redis call, which adds the waiting requests of each client to its counter at once. Each
 * request then holds its own count, in arrival order, exactly as if each had sent its own INCR: no request is
 * admitted that one INCR per request would refuse, and none refused that it would admit. Under load that is one
 * Redis call (one breaker pass, one command and its timers) per turn instead of one per request.
 */
export class RateLimitCounters {
  private queued = new Map<string, { window: number; waiters: Waiter[] }>();
  private flushScheduled = false;

  constructor(private readonly guard: RedisGuard) {
    if (!("rateLimitIncrMany" in guard.redis)) guard.redis.defineCommand("rateLimitIncrMany", { lua: INCR_MANY_SCRIPT });
  }

  /** Adds one request to the counter `key` (full key), whose window is `windowMs` long; its count and the window's remaining time. */
  increment(key: string, windowMs: number): Promise<IncrResult> {
    return new Promise((resolve, reject) => {
      let entry = this.queued.get(key);
      if (!entry) {
        entry = { window: windowMs, waiters: [] };
        this.queued.set(key, entry);
      }
      entry.waiters.push({ resolve, reject });
      if (this.queued.size >= MAX_KEYS_PER_CALL) this.flush();
      else if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.flushScheduled = false;
    const batch = this.queued;
    if (batch.size === 0) return;
    this.queued = new Map();
    const keys = [...batch.keys()];
    const args = [...batch.values()].flatMap((entry) => [entry.waiters.length, entry.window]);
    const redis = this.guard.redis as RateLimitRedis;
    this.guard.run("rate_limit", () => redis.rateLimitIncrMany(keys.length, ...keys, ...args)).then(
      (rows) =>
        keys.forEach((key, index) => {
          const { waiters } = batch.get(key) as { waiters: Waiter[] };
          const [current, ttl] = rows[index] as [number, number];
          // The counter went up by waiters.length: the first waiter holds the lowest of those counts.
          waiters.forEach((waiter, position) => waiter.resolve({ current: current - waiters.length + 1 + position, ttl }));
        }),
      (error: unknown) => {
        for (const entry of batch.values()) for (const waiter of entry.waiters) waiter.reject(error);
      },
    );
  }
}

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
  const counters = new RateLimitCounters(deps.guard);
  class FallbackStore implements FastifyRateLimitStore {
    constructor(
      _options: FastifyRateLimitOptions,
      private readonly prefix: string = KEY_PREFIX,
      private readonly local: FastifyRateLimitStore = new LocalStore(false, false),
    ) {}

    incr(key: string, callback: IncrCallback, timeWindow: number, max: number): void {
      const useLocal = () => {
        deps.onFallback();
        this.local.incr(key, callback, timeWindow, max);
      };
      // Skipped while the breaker is open, so the outage is not counted again on every request.
      if (!deps.guard.available) return useLocal();
      counters.increment(this.prefix + key, timeWindow).then((result) => callback(null, result), useLocal);
    }

    child(routeOptions: ChildOptions): FastifyRateLimitStore {
      return new FallbackStore({}, `${this.prefix}${routeOptions.routeInfo.method}${routeOptions.routeInfo.url}-`, this.local.child(routeOptions));
    }
  }
  return FallbackStore;
}
