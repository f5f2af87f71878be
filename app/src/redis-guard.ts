import CircuitBreaker from "opossum";
import type { Redis } from "ioredis";
import { BREAKER_STATE_VALUE, type Metrics } from "./metrics";

/** Redis could not serve the operation (down, timing out, or the breaker is open). */
export class RedisUnavailableError extends Error {
  override name = "RedisUnavailableError";
  constructor(
    message: string,
    /** Seconds after which a client may retry: the breaker's next probe. */
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}

export type BreakerState = keyof typeof BREAKER_STATE_VALUE;

export interface RedisGuardOptions {
  /** How long the breaker stays open before letting one trial operation through. */
  resetMs: number;
  /** Backstop timeout; ioredis' own commandTimeout normally fires first. */
  timeoutMs: number;
}

type Operation = () => Promise<unknown>;

/**
 * Runs every Redis operation through one circuit breaker (opossum) and records its
 * duration and failures, so that an outage is detected once and then answered at once.
 */
export class RedisGuard {
  private readonly breaker: CircuitBreaker<[string, Operation], unknown>;

  constructor(
    readonly redis: Redis,
    private readonly metrics: Metrics,
    private readonly options: RedisGuardOptions,
  ) {
    this.breaker = new CircuitBreaker((_operation: string, run: Operation) => run(), {
      timeout: options.timeoutMs,
      resetTimeout: options.resetMs,
      errorThresholdPercentage: 50,
      volumeThreshold: 3,
      rollingCountTimeout: 10_000,
      name: "redis",
    });
    const setState = (state: BreakerState) => metrics.breakerState.set({ breaker: "redis" }, BREAKER_STATE_VALUE[state]);
    setState("closed");
    this.breaker.on("open", () => setState("open"));
    this.breaker.on("halfOpen", () => setState("half_open"));
    this.breaker.on("close", () => setState("closed"));
  }

  get state(): BreakerState {
    if (this.breaker.opened) return "open";
    if (this.breaker.halfOpen) return "half_open";
    return "closed";
  }

  /** True when Redis is connected and the breaker lets operations through. */
  get available(): boolean {
    return this.redis.status === "ready" && this.state !== "open";
  }

  async run<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    const stopTimer = this.metrics.redisDuration.startTimer({ operation });
    try {
      const result = (await this.breaker.fire(operation, fn)) as T;
      stopTimer();
      return result;
    } catch (error) {
      const code = (error as { code?: string }).code;
      const reason = code === "EOPENBREAKER" ? "circuit_open" : code === "ETIMEDOUT" || /timed? ?out/i.test(String(error)) ? "timeout" : "error";
      this.metrics.redisErrors.inc({ operation, reason });
      throw new RedisUnavailableError(`redis ${operation} failed: ${reason}`, Math.max(1, Math.ceil(this.options.resetMs / 1000)));
    }
  }

  shutdown(): void {
    this.breaker.shutdown();
  }
}
