import FastifyOtelInstrumentation from "@fastify/otel";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { registerInstrumentations } from "@opentelemetry/instrumentation";
import { IORedisInstrumentation } from "@opentelemetry/instrumentation-ioredis";
import { detectResources, envDetector, resourceFromAttributes } from "@opentelemetry/resources";
import { BatchSpanProcessor, NodeTracerProvider } from "@opentelemetry/sdk-trace-node";
import { ATTR_SERVICE_NAME } from "@opentelemetry/semantic-conventions";

/** Paths that probes and scrapers hit every few seconds; tracing them is only noise. */
const UNTRACED_PATHS = ["/health/live", "/health/ready", "/metrics"];

export interface Tracing {
  shutdown(): Promise<void>;
}

/**
 * Starts OpenTelemetry tracing with OTLP/HTTP export when an endpoint is configured through the
 * standard OTEL_* variables (OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES,
 * OTEL_TRACES_SAMPLER[_ARG], OTEL_BSP_*); otherwise does nothing at all.
 * Must run before fastify, http and ioredis are loaded so their instrumentation applies.
 * Uses the trace SDK rather than sdk-node, which would ship every exporter (~200 MB) in the image.
 */
export function startTracing(env: NodeJS.ProcessEnv = process.env): Tracing | undefined {
  const endpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (!endpoint || env.OTEL_SDK_DISABLED === "true" || env.OTEL_TRACES_EXPORTER === "none") return undefined;

  const resource = resourceFromAttributes({ [ATTR_SERVICE_NAME]: env.OTEL_SERVICE_NAME || "notes-service" }).merge(detectResources({ detectors: [envDetector] }));
  // The sampler comes from OTEL_TRACES_SAMPLER (default parentbased_always_on).
  const provider = new NodeTracerProvider({ resource, spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())] });
  provider.register();
  const unregister = registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [
      // Fastify's own instrumentation, not Node's HTTP one: it starts the server span in Fastify's onRequest hook
      // (taking the caller's traceparent), runs the handler in its context and ends it in onSend. The HTTP
      // instrumentation did far more on every request, sampled or not: parsing the URL and headers into
      // attributes before the sampler ran, and binding every listener of the request and response to the context.
      new FastifyOtelInstrumentation({
        registerOnInitialization: true,
        // One span for the request and one for its handler; no span for each hook of each plugin.
        instrumentHooks: false,
        ignorePaths: ({ url }) => UNTRACED_PATHS.includes(url.split("?")[0] ?? ""),
        // "GET /v1/notes/:id", as the HTTP semantic conventions name a server span, rather than "request".
        requestHook: (span, request) => span.updateName(`${request.method} ${request.routeOptions.url ?? ""}`.trim()),
      }),
      new IORedisInstrumentation({ requireParentSpan: true }),
    ],
  });
  return {
    shutdown: async () => {
      unregister();
      await provider.shutdown();
    },
  };
}
