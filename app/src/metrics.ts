import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/**
 * The service's Prometheus metrics. Their names and labels are a contract: alerts and
 * dashboards depend on them (see app/README.md), so change them only with those.
 */
export interface Metrics {
  registry: Registry;
  httpRequests: Counter<"method" | "route" | "status_code">;
  httpDuration: Histogram<"method" | "route" | "status_code">;
  httpInFlight: Gauge;
  httpAborted: Counter<"route">;
  redisDuration: Histogram<"operation">;
  redisErrors: Counter<"operation" | "reason">;
  breakerState: Gauge<"breaker">;
  rateLimitRejections: Counter<"route">;
  rateLimitFallbacks: Counter;
  degradedResponses: Counter<"route" | "kind">;
}

export const BREAKER_STATE_VALUE = { closed: 0, half_open: 1, open: 2 } as const;

/** A fresh registry per app instance, so tests can build many apps in one process. */
export function createMetrics(options: { collectDefaults: boolean }): Metrics {
  const registry = new Registry();
  if (options.collectDefaults) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    httpRequests: new Counter({
      name: "http_requests_total",
      help: "HTTP requests completed, by route template, method and status code.",
      labelNames: ["method", "route", "status_code"],
      registers,
    }),
    httpDuration: new Histogram({
      name: "http_request_duration_seconds",
      help: "HTTP request duration from arrival to response sent.",
      labelNames: ["method", "route", "status_code"],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    httpInFlight: new Gauge({
      name: "http_requests_in_flight",
      help: "HTTP requests being served right now.",
      registers,
    }),
    httpAborted: new Counter({
      name: "http_requests_aborted_total",
      help: "HTTP requests whose client went away (or timed out) before the response was sent.",
      labelNames: ["route"],
      registers,
    }),
    redisDuration: new Histogram({
      name: "redis_command_duration_seconds",
      help: "Duration of Redis operations issued by the service (one operation may pipeline several commands).",
      labelNames: ["operation"],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers,
    }),
    redisErrors: new Counter({
      name: "redis_command_errors_total",
      help: "Redis operations that failed, by operation and reason (error, timeout, circuit_open).",
      labelNames: ["operation", "reason"],
      registers,
    }),
    breakerState: new Gauge({
      name: "circuit_breaker_state",
      help: "Circuit breaker state: 0 closed, 1 half-open, 2 open.",
      labelNames: ["breaker"],
      registers,
    }),
    rateLimitRejections: new Counter({
      name: "rate_limit_rejections_total",
      help: "Requests rejected with 429 by the rate limiter.",
      labelNames: ["route"],
      registers,
    }),
    rateLimitFallbacks: new Counter({
      name: "rate_limit_fallback_total",
      help: "Rate-limit decisions taken by the per-process fallback because Redis was unavailable.",
      registers,
    }),
    degradedResponses: new Counter({
      name: "degraded_responses_total",
      help: "Responses served in degraded mode while Redis was unavailable (kind: cached_read, refused_write, unknown_write, unavailable_read).",
      labelNames: ["route", "kind"],
      registers,
    }),
  };
}
