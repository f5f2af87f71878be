import { trace } from "@opentelemetry/api";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { Metrics } from "./metrics";

/** trace_id/span_id of the active span, merged into every log line (pino mixin). */
export function activeTraceFields(): Record<string, string> {
  const context = trace.getActiveSpan()?.spanContext();
  if (!context || context.traceId === "00000000000000000000000000000000") return {};
  return { trace_id: context.traceId, span_id: context.spanId };
}

/** The route template, so that metrics and logs stay low-cardinality; unmatched paths share one label. */
export function routeLabel(request: FastifyRequest): string {
  return request.routeOptions.url ?? "unmatched";
}

interface RequestTiming {
  startedAt: bigint;
  traceFields: Record<string, string>;
}

const timings = new WeakMap<FastifyRequest, RequestTiming>();

/**
 * One JSON log line per request (id, route, status, duration, trace ids) and the HTTP metrics.
 * Bodies and headers are never logged.
 */
export function registerRequestObservability(app: FastifyInstance, options: { metrics?: Metrics; requestLogging: boolean }): void {
  const { metrics, requestLogging } = options;
  if (!metrics && !requestLogging) return;

  app.addHook("onRequest", async (request) => {
    metrics?.httpInFlight.inc();
    // Captured here because the span is certainly active while the request starts.
    timings.set(request, { startedAt: process.hrtime.bigint(), traceFields: requestLogging ? activeTraceFields() : {} });
  });

  app.addHook("onResponse", async (request, reply) => {
    const timing = timings.get(request);
    const seconds = timing ? Number(process.hrtime.bigint() - timing.startedAt) / 1e9 : 0;
    const route = routeLabel(request);
    const statusCode = reply.statusCode;
    if (metrics) {
      metrics.httpInFlight.dec();
      const labels = { method: request.method, route, status_code: String(statusCode) };
      metrics.httpRequests.inc(labels);
      metrics.httpDuration.observe(labels, seconds);
    }
    if (requestLogging) {
      request.log.info(
        { ...timing?.traceFields, method: request.method, route, path: request.url.split("?")[0], status: statusCode, duration_ms: Math.round(seconds * 1e6) / 1e3 },
        "request completed",
      );
    }
  });
}
