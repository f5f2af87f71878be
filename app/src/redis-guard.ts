import CircuitBreaker from "opossum";
import type { Redis } from "ioredis";
import { BREAKER_STATE_VALUE, type Metrics } from "./metrics";

/**
 * What a failed write did: `not_applied` only when Redis certainly never ran it (the breaker was
 * open, there was no connection, or Redis refused it); `unknown` when it may have run (a timeout,
 * or the connection dropped with the command sent).
 */
export type WriteOutcome = "not_applied" | "unknown";

/** Redis could not serve the operation (down, timing out, or the breaker is open). */
export class RedisUnavailableError extends Error {
  override name = "RedisUnavailableError";
  constructor(
    message: string,
    /** Seconds after which a client may retry: the breaker's next probe. */
    readonly retryAfterSeconds: number,
    readonly outcome: WriteOutcome,
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

const NETWORK_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ECONNABORTED", "ETIMEDOUT", "EPIPE", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH"]);
/** ioredis' own errors for a connection that is gone, not there yet, or too slow. */
const CLIENT_MESSAGE = /^(Command timed out|Connection is closed|Stream isn't writeable|Reached the max retries|Command aborted due to connection close|Timed out after)/;
/** Replies by which Redis says it cannot serve now (or not this client): nothing was applied. */
const REFUSAL_PREFIX = /^(READONLY|LOADING|MASTERDOWN|BUSY|NOAUTH|WRONGPASS|NOPERM|OOM|MISCONF|NOREPLICAS|TRYAGAIN|CLUSTERDOWN)\b/;
/** Errors that mean the service is configured wrongly for this Redis, not that Redis is down. */
const CONFIGURATION_ERROR = /\b(WRONGPASS|NOAUTH|NOPERM)\b|DB index is out of range|invalid DB index/i;

interface ErrorLike {
  name?: string;
  code?: string;
  message?: string;
  previousErrors?: ErrorLike[];
}

/** A reply error from Redis itself (EXECABORT carries the errors of the queued commands). */
function isRefusal(error: ErrorLike): boolean {
  if (error.name !== "ReplyError") return false;
  const message = error.message ?? "";
  if (message.startsWith("EXECABORT")) return (error.previousErrors ?? []).some((previous) => REFUSAL_PREFIX.test(previous.message ?? ""));
  return REFUSAL_PREFIX.test(message);
}

/** Whether an error means Redis is unreachable or unable to serve: only these count toward the breaker. */
export function isRedisFailure(error: unknown): boolean {
  const e = (error ?? {}) as ErrorLike;
  return (e.code !== undefined && NETWORK_CODES.has(e.code)) || e.name === "MaxRetriesPerRequestError" || CLIENT_MESSAGE.test(e.message ?? "") || isRefusal(e);
}

export function isConfigurationError(error: unknown): boolean {
  return CONFIGURATION_ERROR.test((error as ErrorLike | undefined)?.message ?? "");
}

/** The breaker refused the call itself (open, or shut down on close): nothing was sent. */
const isBreakerRefusal = (error: ErrorLike) => error.code === "EOPENBREAKER" || error.code === "ESHUTDOWN";

function outcomeOf(error: ErrorLike): WriteOutcome {
  if (isBreakerRefusal(error) || error.message?.startsWith("Stream isn't writeable")) return "not_applied";
  return isRefusal(error) ? "not_applied" : "unknown";
}

/**
 * Runs every Redis operation through one circuit breaker (opossum) and records its
 * duration and failures, so that an outage is detected once and then answered at once.
 * Only Redis and network failures count (errorFilter): a bug or bad data is not an outage.
 */
export class RedisGuard {
  private readonly breaker: CircuitBreaker<[string, Operation], unknown>;
  /** A configuration error of the current connection (AUTH, SELECT during its handshake), or of the last attempt. */
  private connectionProblem: string | undefined;
  private problemSinceConnect: string | undefined;
  /** NOPERM and the like from commands: cleared by the next command that works. */
  private commandProblem: string | undefined;

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
      // true = "not a failure of Redis": rethrown to the caller without counting.
      errorFilter: (error: unknown) => !isRedisFailure(error),
    });
    const setState = (state: BreakerState) => metrics.breakerState.set({ breaker: "redis" }, BREAKER_STATE_VALUE[state]);
    setState("closed");
    this.breaker.on("open", () => setState("open"));
    this.breaker.on("halfOpen", () => setState("half_open"));
    this.breaker.on("close", () => setState("closed"));
    // A failed SELECT does not stop ioredis from becoming ready, so "ready" alone does not clear it.
    redis.on("connect", () => (this.problemSinceConnect = undefined));
    redis.on("ready", () => (this.connectionProblem = this.problemSinceConnect));
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

  /** An authentication or configuration error (wrong password, missing permission, bad DB index), while it lasts. */
  get configurationError(): string | undefined {
    return this.connectionProblem ?? this.commandProblem;
  }

  /** Records a connection error; only configuration errors are kept. */
  noteConnectionError(error: Error): void {
    if (!isConfigurationError(error)) return;
    this.connectionProblem = error.message;
    this.problemSinceConnect = error.message;
  }

  async run<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    const stopTimer = this.metrics.redisDuration.startTimer({ operation });
    try {
      const result = (await this.breaker.fire(operation, fn)) as T;
      stopTimer();
      this.commandProblem = undefined;
      return result;
    } catch (error) {
      const e = error as ErrorLike;
      if (!isBreakerRefusal(e) && !isRedisFailure(error)) throw error;
      if (isConfigurationError(error)) this.commandProblem = (error as Error).message;
      const reason = isBreakerRefusal(e) ? "circuit_open" : e.code === "ETIMEDOUT" || /timed? ?out/i.test(String(error)) ? "timeout" : "error";
      this.metrics.redisErrors.inc({ operation, reason });
      throw new RedisUnavailableError(`redis ${operation} failed: ${reason}`, Math.max(1, Math.ceil(this.options.resetMs / 1000)), outcomeOf(e));
    }
  }

  shutdown(): void {
    this.breaker.shutdown();
  }
}
