// Entry point: validate the environment, start tracing, then load and start the service.
// The order matters: tracing must be running before fastify, http and ioredis are required.
import { ConfigError, loadConfig, type Config } from "./config";
import { startTracing } from "./tracing";

function exitOnConfigError(): Config {
  try {
    return loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`notes-service: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
}

const config = exitOnConfigError();
const tracing = startTracing(process.env);

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { start } = require("./main") as typeof import("./main");
start(config, tracing).catch((error: unknown) => {
  process.stderr.write(`notes-service: failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});

