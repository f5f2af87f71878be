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
  /** Set once the request is counted as answered or aborted, so the in-flight gauge moves back exactly once. */
  settled: boolean;
}

const timings = new WeakMap<FastifyRequest, RequestTiming>();

const elapsedSeconds = (timing: RequestTiming | undefined) => (timing ? Number(process.hrtime.bigint() - timing.startedAt) / 1e9 : 0);

/**
 * One JSON log line per request (id, route, status, duration, trace ids) and the HTTP metrics.
 * A request whose connection closes before its response was sent is logged and counted as aborted.
 * Bodies and headers are never logged.
 */
export function registerRequestObservability(app: FastifyInstance, options: { metrics?: Metrics; requestLogging: boolean }): void {
  const { metrics, requestLogging } = options;
  if (!metrics && !requestLogging) return;

  app.addHook("onRequest", async (request, reply) => {
    metrics?.httpInFlight.inc();
    // Captured here because the span is certainly active while the request starts.
    const timing: RequestTiming = { startedAt: process.hrtime.bigint(), traceFields: requestLogging ? activeTraceFields() : {}, settled: false };
    timings.set(request, timing);
    // Fastify's onResponse never runs for these, and its onRequestAbort only covers a body cut short,
    // not a client that leaves while the handler runs; the response's close event covers both.
    reply.raw.once("close", () => {
      if (timing.settled || reply.raw.writableFinished) return;
      timing.settled = true;
      const route = routeLabel(request);
      metrics?.httpInFlight.dec();
      metrics?.httpAborted.inc({ route });
      if (requestLogging) {
        request.log.info(
          { ...timing.traceFields, method: request.method, route, path: request.url.split("?")[0], duration_ms: Math.round(elapsedSeconds(timing) * 1e6) / 1e3 },
          "request aborted",
        );
      }
    });
  });

  app.addHook("onResponse", async (request, reply) => {
    const timing = timings.get(request);
    if (timing?.settled) return;
    if (timing) timing.settled = true;
    const seconds = elapsedSeconds(timing);
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
