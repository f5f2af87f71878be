import { monitorEventLoopDelay } from "node:perf_hooks";
import type { FastifyInstance } from "fastify";
import type { Lifecycle } from "../lifecycle";
import type { RedisGuard } from "../redis-guard";

export interface HealthOptions {
  lifecycle: Lifecycle;
  guard: RedisGuard;
  /** When true, readiness fails while Redis is unavailable (see the README for the trade-off). */
  readinessRequiresRedis: boolean;
}

const dependencySchema = {
  type: "object",
  properties: {
    status: { type: "string", enum: ["up", "down"] },
    connection: { type: "string" },
    circuit: { type: "string", enum: ["closed", "half_open", "open"] },
    required: { type: "boolean" },
    error: { type: "string", description: "Why Redis refuses this service (wrong password, missing permission, bad DB index)" },
  },
} as const;

const readinessSchema = {
  type: "object",
  properties: {
    status: { type: "string", enum: ["ready", "degraded", "starting", "draining", "unavailable", "misconfigured"] },
    ready: { type: "boolean" },
    degraded: { type: "boolean" },
    checks: { type: "object", properties: { redis: dependencySchema } },
  },
} as const;

/**
 * Kubernetes probes. Liveness only says the process and its event loop answer; readiness says
 * whether this instance should get traffic, and reports (without failing on, by default)
 * the state of Redis, which every replica shares.
 */
export async function healthRoutes(app: FastifyInstance, options: HealthOptions): Promise<void> {
  const { lifecycle, guard, readinessRequiresRedis } = options;
  const loopDelay = monitorEventLoopDelay({ resolution: 20 });
  loopDelay.enable();
  app.addHook("onClose", async () => loopDelay.disable());

  app.get(
    "/health/live",
    {
      schema: {
        tags: ["health"],
        summary: "Liveness: the process is up and its event loop responds",
        response: {
          200: {
            type: "object",
            properties: { status: { type: "string" }, uptimeSeconds: { type: "number" }, eventLoopDelayP99Ms: { type: "number" } },
          },
        },
      },
    },
    async () => {
      const p99 = loopDelay.percentile(99) / 1e6;
      loopDelay.reset();
      return { status: "ok", uptimeSeconds: Math.round(process.uptime()), eventLoopDelayP99Ms: Math.round(p99 * 10) / 10 };
    },
  );

  app.get(
    "/health/ready",
    { schema: { tags: ["health"], summary: "Readiness: this instance should receive traffic", response: { 200: readinessSchema, 503: readinessSchema } } },
    async (_request, reply) => {
      const redisUp = guard.available;
      const error = guard.configurationError;
      const redis = { status: redisUp ? "up" : "down", connection: guard.redis.status, circuit: guard.state, required: readinessRequiresRedis, error };
      const state = lifecycle.state;
      let status: string;
      if (state !== "ready") status = state;
      // Unlike an outage, a wrong password or permission will not pass by itself: fail so the rollout stops.
      else if (error !== undefined) status = "misconfigured";
      else if (redisUp) status = "ready";
      else status = readinessRequiresRedis ? "unavailable" : "degraded";
      const ready = status === "ready" || status === "degraded";
      return reply.code(ready ? 200 : 503).send({ status, ready, degraded: !redisUp, checks: { redis } });
    },
  );
}
