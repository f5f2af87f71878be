// Runs the built service on PORT (default 8080) against REDIS_URL, or, when REDIS_URL is not
// set, against a throwaway local redis-server (AOF on, data in a temp dir removed on exit).
import { spawn } from "node:child_process";
import { RedisServer } from "../test/support/redis-server";
import { SERVER_ENTRY } from "../test/support/service-process";

async function main(): Promise<void> {
  const redis = process.env.REDIS_URL ? undefined : await RedisServer.start({ durable: true });
  if (redis) console.error(`dev: started redis-server on ${redis.url} (data in ${redis.dir}, removed on exit)`);
  const child = spawn(process.execPath, [SERVER_ENTRY], {
    env: { SHUTDOWN_DRAIN_DELAY_MS: "0", ...process.env, ...(redis ? { REDIS_URL: redis.url } : {}) },
    stdio: "inherit",
  });
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => child.kill(signal));
  const code = await new Promise<number>((resolve) => child.once("exit", (exitCode) => resolve(exitCode ?? 1)));
  await redis?.stop();
  process.exit(code);
}

main().catch((error: unknown) => {
  console.error(`dev: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
