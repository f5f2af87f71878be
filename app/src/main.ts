import { setTimeout as sleep } from "node:timers/promises";
import { build } from "./app";
import type { Config } from "./config";
import { closeMetrics, listenMetrics } from "./metrics-server";
import type { Tracing } from "./tracing";

/**
 * Starts the service and handles SIGTERM/SIGINT: readiness turns 503 at once, the server keeps
 * serving for the drain delay (so endpoints are removed from the Service first), then stops
 * accepting, lets in-flight requests finish within the grace period, closes Redis and exits 0.
 */
export async function start(config: Config, tracing: Tracing | undefined): Promise<void> {
  const app = await build({ config });
  await app.listen({ port: config.port, host: config.host });
  const metricsServer =
    config.metricsEnabled && config.metricsPort !== undefined ? await listenMetrics(app.metrics.registry, config.metricsPort, config.host, app.log) : undefined;

  let stopping = false;
  const stop = async (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    app.lifecycle.beginDrain();
    app.log.info({ signal, drain_delay_ms: config.shutdown.drainDelayMs, grace_ms: config.shutdown.graceMs }, "shutting down");
    const giveUp = () => {
      app.log.error("in-flight requests did not finish within the grace period; exiting");
      process.exit(1);
    };
    const deadline = setTimeout(() => {
      // A client still sending its request by now has stalled: dropping it is no failure of ours.
      const { stalled, processing } = app.dropStalledRequests();
      if (stalled === 0 || processing > 0) return giveUp();
      app.log.warn({ stalled }, "closed connections of clients that had not finished sending their request");
      setTimeout(giveUp, 2000).unref(); // close() can now finish; this only backs it up
    }, config.shutdown.drainDelayMs + config.shutdown.graceMs);
    deadline.unref();
    await sleep(config.shutdown.drainDelayMs);
    await app.close();
    if (metricsServer) await closeMetrics(metricsServer);
    await tracing?.shutdown().catch(() => undefined);
    clearTimeout(deadline);
    app.log.info("stopped");
    process.exit(0);
  };
  process.once("SIGTERM", (signal) => void stop(signal));
  process.once("SIGINT", (signal) => void stop(signal));

  process.on("unhandledRejection", (reason) => {
    app.log.fatal({ err: reason }, "unhandled promise rejection; exiting");
    process.exit(1);
  });
}
