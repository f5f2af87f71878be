import { spawn, type ChildProcess } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { Redis } from "ioredis";
import { RedisServer, freePort } from "./redis-server";

/**
 * A real Redis Sentinel (redis-server --sentinel) watching `master`, as the prod stack runs it.
 * Fast timeouts so a test can observe a failover in seconds.
 */
export class RedisSentinel {
  private constructor(
    readonly port: number,
    private readonly child: ChildProcess,
  ) {}

  static async start(master: RedisServer, options: { masterName: string; password: string }): Promise<RedisSentinel> {
    const port = await freePort();
    const configFile = join(master.dir, `sentinel-${port}.conf`);
    writeFileSync(
      configFile,
      [
        `port ${port}`,
        "bind 127.0.0.1",
        `dir ${master.dir}`,
        `sentinel monitor ${options.masterName} 127.0.0.1 ${master.port} 1`,
        `sentinel auth-pass ${options.masterName} ${options.password}`,
        `sentinel down-after-milliseconds ${options.masterName} 1000`,
        `sentinel failover-timeout ${options.masterName} 5000`,
        "",
      ].join("\n"),
    );
    const child = spawn("redis-server", [configFile, "--sentinel"], { stdio: "ignore" });
    const sentinel = new RedisSentinel(port, child);
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      const client = sentinel.client();
      try {
        const address = await client.call("SENTINEL", "get-master-addr-by-name", options.masterName);
        if (Array.isArray(address)) return sentinel;
      } catch {
        // not up yet
      } finally {
        client.disconnect();
      }
      await sleep(100);
    }
    child.kill("SIGKILL");
    throw new Error(`redis sentinel on port ${port} did not answer within 10 s`);
  }

  client(): Redis {
    const client = new Redis({ host: "127.0.0.1", port: this.port, lazyConnect: false, retryStrategy: () => null, maxRetriesPerRequest: 0 });
    client.on("error", () => undefined);
    return client;
  }

  /** The address Sentinel currently names as master. */
  async masterPort(masterName: string): Promise<number> {
    const client = this.client();
    try {
      const address = (await client.call("SENTINEL", "get-master-addr-by-name", masterName)) as [string, string];
      return Number(address[1]);
    } finally {
      client.disconnect();
    }
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.child.once("exit", resolve));
    this.child.kill("SIGTERM");
    await exited;
  }
}
