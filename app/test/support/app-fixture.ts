import type { DestinationStream } from "pino";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll } from "vitest";
import { build } from "../../src/app";
import { testConfig } from "./config";
import { RedisServer } from "./redis-server";

/** One real Redis and one app for a test file; both fields are set once the file's tests run. */
export interface AppFixture {
  redis: RedisServer;
  app: FastifyInstance;
}

/** Starts a Redis and builds the app on it before the file's tests (env over testConfig), and closes both after them. */
export function appWithRedis(env: Record<string, string> = {}, logStream?: DestinationStream): AppFixture {
  const fixture = {} as AppFixture;
  beforeAll(async () => {
    fixture.redis = await RedisServer.start();
    fixture.app = await build({ config: testConfig(fixture.redis.url, env), logStream });
    await fixture.app.ready();
  });
  afterAll(async () => {
    await fixture.app?.close();
    await fixture.redis?.stop();
  });
  return fixture;
}
