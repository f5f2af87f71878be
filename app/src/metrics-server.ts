import { createServer, type Server } from "node:http";
import type { FastifyBaseLogger } from "fastify";
import type { Registry } from "prom-client";

/**
 * A second, minimal listener for /metrics (METRICS_PORT), so the scrape port can be kept off the
 * Service the edge routes to. Everything else on it is 404.
 */
export async function listenMetrics(registry: Registry, port: number, host: string, log: FastifyBaseLogger): Promise<Server> {
  const server = createServer((request, response) => {
    if (request.method !== "GET" || (request.url ?? "").split("?")[0] !== "/metrics") {
      response.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ statusCode: 404, error: "Not Found", message: "only GET /metrics is served here" }));
      return;
    }
    registry.metrics().then(
      (text) => response.writeHead(200, { "content-type": registry.contentType }).end(text),
      (error: unknown) => {
        log.error({ err: error }, "metrics collection failed");
        response.writeHead(500).end();
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  log.info({ port: typeof address === "object" && address ? address.port : port }, "metrics listening");
  return server;
}

/** Stops the metrics listener; a scrape is safe to cut, so open connections are closed at once. */
export async function closeMetrics(server: Server): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeAllConnections();
  await closed;
}
