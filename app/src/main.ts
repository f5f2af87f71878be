import { setTimeout as sleep } from "node:timers/promises";
import { build } from "./app";
import type { Config } from "./config";
import type { Tracing } from "./tracing";

/**
 * Starts the service and handles SIGTERM/SIGINT: readiness turns 503 at once, the server keeps
 * serving for the drain delay (so endpoints are removed from the Service first), then stops
 * accepting, lets in-flight requests finish within the grace period, closes Redis and exits 0.
 */
export async function start(config: Config, tracing: Tracing | undefined): Promise<void> {
  const app = await build({ config });
  await app.listen({ port: config.port, host: config.host });

  let stopping = false;
  const stop = async (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    app.lifecycle.beginDrain();
    app.log.info({ signal, drain_delay_ms: config.shutdown.drainDelayMs, grace_ms: config.shutdown.graceMs }, "shutting down");
    const deadline = setTimeout(() => {
      app.log.error("in-flight requests did not finish within the grace period; exiting");
      process.exit(1);
    }, config.shutdown.drainDelayMs + config.shutdown.graceMs);
    deadline.unref();
    await sleep(config.shutdown.drainDelayMs);
    await app.close();
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
