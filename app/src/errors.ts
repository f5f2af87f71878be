import { STATUS_CODES } from "node:http";
import type { FastifyError, FastifyInstance } from "fastify";
import type { Metrics } from "./metrics";
import { routeLabel } from "./observability";
import { IdempotencyConflictError } from "./notes-store";
import { RedisUnavailableError } from "./redis-guard";

/** Marks a response shaped by a Redis outage (a cached read, or a refusal). */
export const DEGRADED_HEADER = "x-degraded";

type ValidationIssue = NonNullable<FastifyError["validation"]>[number];

/** "body /title must be string", "body must NOT have additional properties: colour". */
export function describeValidationError(part: string | undefined, issue: ValidationIssue | undefined): string {
  if (!issue) return `${part ?? "request"} is invalid`;
  const where = [part ?? "request", issue.instancePath].filter(Boolean).join(" ");
  const extra = (issue.params as { additionalProperty?: unknown }).additionalProperty;
  return `${where} ${issue.message ?? "is invalid"}${typeof extra === "string" ? `: ${extra}` : ""}`;
}

/**
 * Every error becomes JSON `{statusCode, error, message}`: Redis outages a 503 with Retry-After,
 * client mistakes their 4xx, and anything else a 500 that is logged but not explained.
 */
export function registerErrorHandlers(app: FastifyInstance, metrics: Metrics): void {
  app.setErrorHandler((error: FastifyError | RedisUnavailableError | IdempotencyConflictError, request, reply) => {
    if (error instanceof RedisUnavailableError) {
      const read = request.method === "GET";
      // A write that may have reached Redis must not be reported as "nothing changed".
      const unknown = !read && error.outcome === "unknown";
      metrics.degradedResponses.inc({ route: routeLabel(request), kind: read ? "unavailable_read" : unknown ? "unknown_write" : "refused_write" });
      reply.code(503).header("retry-after", String(error.retryAfterSeconds)).header(DEGRADED_HEADER, "redis-unavailable");
      if (unknown) {
        return reply.send({
          statusCode: 503,
          error: "Service Unavailable",
          message: "storage did not confirm the write: it may or may not have been applied; retry with the same Idempotency-Key, or check before retrying",
          outcome: "unknown",
        });
      }
      return reply.send({ statusCode: 503, error: "Service Unavailable", message: "storage is temporarily unavailable; nothing was changed, retry later" });
    }
    if (error instanceof IdempotencyConflictError) {
      return reply.code(422).send({ statusCode: 422, error: "Unprocessable Entity", message: error.message });
    }
    if (error.validation) {
      return reply.code(400).send({ statusCode: 400, error: "Bad Request", message: describeValidationError(error.validationContext, error.validation[0]) });
    }
    const clientError = error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500;
    if (!clientError) {
      request.log.error({ err: error }, "unhandled error");
      return reply.code(500).send({ statusCode: 500, error: "Internal Server Error", message: "unexpected error" });
    }
    const statusCode = error.statusCode ?? 400;
    return reply.code(statusCode).send({ statusCode, error: STATUS_CODES[statusCode] ?? "Client Error", message: error.message });
  });

  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({ statusCode: 404, error: "Not Found", message: `no route for ${request.method} ${request.url.split("?")[0]}` }),
  );
}
