import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { HttpInstrumentation } from "@opentelemetry/instrumentation-http";
import { IORedisInstrumentation } from "@opentelemetry/instrumentation-ioredis";
import { NodeSDK } from "@opentelemetry/sdk-node";

/** Paths that probes and scrapers hit every few seconds; tracing them is only noise. */
const UNTRACED_PATHS = ["/health/live", "/health/ready", "/metrics"];

export interface Tracing {
  shutdown(): Promise<void>;
}

/**
 * Starts OpenTelemetry tracing with OTLP/HTTP export when an endpoint is configured through the
 * standard OTEL_* variables (endpoint, service name, sampler); otherwise does nothing at all.
 * Must run before fastify, http and ioredis are loaded so their instrumentation applies.
 */
export function startTracing(env: NodeJS.ProcessEnv = process.env): Tracing | undefined {
  const endpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (!endpoint || env.OTEL_SDK_DISABLED === "true" || env.OTEL_TRACES_EXPORTER === "none") return undefined;
  const sdk = new NodeSDK({
    serviceName: env.OTEL_SERVICE_NAME || "notes-service",
    traceExporter: new OTLPTraceExporter(),
    // Only traces: metrics are scraped by Prometheus and logs go to stdout.
    metricReaders: [],
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (request) => UNTRACED_PATHS.includes((request.url ?? "").split("?")[0] ?? ""),
        ignoreOutgoingRequestHook: () => true,
      }),
      new IORedisInstrumentation({ requireParentSpan: true }),
    ],
  });
  sdk.start();
  return { shutdown: () => sdk.shutdown() };
}
