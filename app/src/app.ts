import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import cors from "@fastify/cors";
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import Ajv from "ajv";
import addFormats from "ajv-formats";
import Fastify, { LogController, type FastifyInstance } from "fastify";
import helmet from "helmet";
import type { Redis } from "ioredis";
import pino, { type DestinationStream } from "pino";
import type { Config } from "./config";
import { Lifecycle } from "./lifecycle";
import { createMetrics, type Metrics } from "./metrics";
import { NotesStore } from "./notes-store";
import { registerErrorHandlers } from "./errors";
import { activeTraceFields, registerRequestObservability } from "./observability";
import { createRedis } from "./redis";
import { isConfigurationError, RedisGuard } from "./redis-guard";
import { healthRoutes } from "./routes/health";
import { errorSchema, notesRoutes, noteSchema } from "./routes/notes";

export interface BuildOptions {
  config: Config;
  /** A Redis client to use instead of one made from `config.redis` (tests). Closed with the app. */
  redis?: Redis;
  /** Where JSON log lines go; stdout (asynchronous writes) by default. */
  logStream?: DestinationStream;
}

declare module "fastify" {
  interface FastifyInstance {
    lifecycle: Lifecycle;
    metrics: Metrics;
    redisGuard: RedisGuard;
    /**
     * For the end of the shutdown grace: closes the connections of clients that have still not finished
     * sending their request (stalled), and returns how many requests remain that the service itself is working on.
     */
    dropStalledRequests(): { stalled: number; processing: number };
  }
}

/** Headers that may carry credentials; never written to logs. */
const REDACTED_PATHS = ["req.headers.authorization", "req.headers.cookie", 'req.headers["x-api-key"]', "redisUrl", "password"];

/** How long start-up waits for a first Redis connection before serving degraded. */
const REDIS_CONNECT_WAIT_MS = 2000;

/** The same Redis connection error is logged at most once per this interval (ioredis retries every ≤ 2 s). */
const REDIS_ERROR_LOG_INTERVAL_MS = 30_000;

/** A client's x-request-id is echoed and logged only in this bounded, log-safe form; otherwise a new id is made. */
const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

// Bodies are validated strictly (no type coercion, unknown fields rejected); query strings
// and path parameters arrive as text, so those are coerced to the declared types.
function validatorCompilers() {
  const strict = addFormats(new Ajv({ coerceTypes: false, removeAdditional: false, useDefaults: true, allErrors: false, strict: false }));
  const coercing = addFormats(new Ajv({ coerceTypes: "array", removeAdditional: false, useDefaults: true, allErrors: false, strict: false }));
  return { strict, coercing };
}

export async function build(options: BuildOptions): Promise<FastifyInstance> {
  const { config } = options;
  const app = Fastify({
    logger: {
      level: config.logLevel,
      // Asynchronous writes to stdout: lines logged while a write is under way go out together in the next one,
      // instead of a blocking write (and Node's stream machinery) per line. pino flushes what is left on exit.
      stream: options.logStream ?? pino.destination({ dest: 1, sync: false }),
      base: { service: process.env.OTEL_SERVICE_NAME ?? "notes-service" },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label: string) => ({ level: label }) },
      mixin: activeTraceFields,
      redact: { paths: REDACTED_PATHS, censor: "[redacted]" },
    },
    // Our own onResponse hook writes the one line per request (see observability.ts).
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: "request_id" }),
    requestIdHeader: false,
    genReqId: (request) => {
      const id = request.headers["x-request-id"];
      return typeof id === "string" && REQUEST_ID_PATTERN.test(id) ? id : randomUUID();
    },
    // A hop count trusts that many proxies in front of the service (the edge); a list trusts those addresses.
    trustProxy: typeof config.trustProxy === "number" ? trustHops(config.trustProxy) : config.trustProxy,
    bodyLimit: config.bodyLimitBytes,
    // A client that stops sending is cut off instead of holding a connection (and the shutdown) forever.
    requestTimeout: config.requestTimeoutMs,
    connectionTimeout: config.connectionTimeoutMs,
    // Node checks requestTimeout only this often (30 s by default), and only while headersTimeout is not longer.
    http: { connectionsCheckingInterval: Math.min(1000, config.requestTimeoutMs), headersTimeout: Math.min(60_000, config.requestTimeoutMs) },
    return503OnClosing: true,
    forceCloseConnections: "idle",
  });

  // Shared response schemas live at the root: a child context's addSchema would replace the
  // validator compilers set below with Fastify's defaults.
  app.addSchema(noteSchema);
  app.addSchema(errorSchema);
  const ajv = validatorCompilers();
  app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === "body" ? ajv.strict : ajv.coercing).compile(schema));

  const metrics = createMetrics({ collectDefaults: config.metricsEnabled });
  const redis = options.redis ?? createRedis(config.redis, config.redisCommandTimeoutMs);
  const guard = new RedisGuard(redis, metrics, { resetMs: config.breakerResetMs, timeoutMs: config.redisCommandTimeoutMs * 2 });
  const lifecycle = new Lifecycle();
  const store = new NotesStore(guard, config.cache, app.log);
  app.decorate("lifecycle", lifecycle);
  app.decorate("metrics", metrics);
  app.decorate("redisGuard", guard);

  watchRedisConnection(app, redis, guard);

  const pending = new Set<IncomingMessage>();
  app.addHook("onRequest", async (request, reply) => {
    pending.add(request.raw);
    reply.raw.once("close", () => pending.delete(request.raw));
  });
  app.addHook("onResponse", async (request) => void pending.delete(request.raw));
  app.decorate("dropStalledRequests", () => {
    let stalled = 0;
    for (const request of pending) {
      if (request.complete) continue;
      stalled += 1;
      request.socket.destroy();
      pending.delete(request);
    }
    return { stalled, processing: pending.size };
  });

  app.addHook("onReady", async () => {
    await connectWithin(redis, REDIS_CONNECT_WAIT_MS).catch((error: Error) =>
      app.log.warn({ err: { message: error.message } }, "redis unreachable at start-up; serving degraded until it returns"),
    );
    lifecycle.markReady();
  });
  app.addHook("preClose", async () => lifecycle.beginDrain());
  app.addHook("onClose", async () => {
    guard.shutdown();
    await redis.quit().catch(() => redis.disconnect());
  });

  app.addHook("onSend", async (request, reply) => {
    reply.header("x-request-id", request.id);
    // While draining, ask keep-alive clients (the edge proxy) to close, so no idle
    // connection holds the shutdown open until the grace period runs out.
    if (lifecycle.state === "draining") reply.header("connection", "close");
  });
  registerRequestObservability(app, { metrics: config.metricsEnabled ? metrics : undefined, requestLogging: config.requestLogging });

  // Helmet's security headers, its middleware built once: @fastify/helmet builds it again on every request
  // (parsing the CSP directives each time), which showed as 4-5 % of the CPU under load.
  const securityHeaders = helmet({
    // The API returns JSON; the strict policy only needs loosening for the docs page.
    contentSecurityPolicy: { directives: { "img-src": ["'self'", "data:"], "style-src": ["'self'", "'unsafe-inline'"] } },
    strictTransportSecurity: { maxAge: 31_536_000, includeSubDomains: true },
  });
  app.addHook("onRequest", (request, reply, done) => securityHeaders(request.raw, reply.raw, () => done()));
  if (config.corsOrigins.length > 0) {
    await app.register(cors, { origin: config.corsOrigins, methods: ["GET", "POST", "DELETE"], maxAge: 600 });
  }

  await app.register(swagger, {
    // Keep the $id names (Note, Error) as component names in the document.
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, index) => (typeof json.$id === "string" ? json.$id : `def-${index}`) },
    openapi: {
      openapi: "3.0.3",
      info: { title: "Notes service", version: "1.0.0", description: "A Redis-backed notes API deployed by the platform." },
      tags: [
        { name: "notes", description: "The notes API" },
        { name: "health", description: "Probes" },
        { name: "operations", description: "Metrics and documents" },
      ],
    },
  });
  await app.register(swaggerUi, { routePrefix: "/docs" });

  registerErrorHandlers(app, metrics);

  await app.register(healthRoutes, { lifecycle, guard, readinessRequiresRedis: config.readinessRequiresRedis });
  // With METRICS_PORT set, /metrics is served on that port only (see metrics-server.ts).
  if (config.metricsEnabled && config.metricsPort === undefined) {
    app.get("/metrics", { schema: { tags: ["operations"], summary: "Prometheus metrics" } }, async (_request, reply) =>
      reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()),
    );
  }
  app.get("/openapi.json", { schema: { tags: ["operations"], summary: "This OpenAPI document" } }, async () => app.swagger());
  await app.register(notesRoutes, { prefix: "/v1", store, guard, metrics, rateLimit: config.rateLimit });

  return app;
}

function trustHops(hops: number) {
  return (_address: string, hop: number) => hop < hops;
}

function connectWithin(redis: Redis, ms: number): Promise<void> {
  if (redis.status !== "wait") return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no connection within ${ms} ms`)), ms);
    redis.connect().then(
      () => (clearTimeout(timer), resolve()),
      (error: Error) => (clearTimeout(timer), reject(error)),
    );
  });
}

/**
 * Logs each distinct connection error, the same one at most once per interval: network errors at warn
 * (an outage the service rides out), authentication/configuration errors at error (they need a person).
 */
function watchRedisConnection(app: FastifyInstance, redis: Redis, guard: RedisGuard): void {
  const lastLogged = new Map<string, number>();
  redis.on("ready", () => app.log.info("redis connected"));
  redis.on("error", (error: Error) => {
    guard.noteConnectionError(error);
    const now = Date.now();
    if (now - (lastLogged.get(error.message) ?? -Infinity) < REDIS_ERROR_LOG_INTERVAL_MS) return;
    if (lastLogged.size >= 100) lastLogged.clear(); // bounded, whatever the messages
    lastLogged.set(error.message, now);
    if (isConfigurationError(error)) app.log.error({ err: { message: error.message } }, "redis rejects this service's credentials or settings");
    else app.log.warn({ err: { message: error.message } }, "redis connection error");
  });
}
