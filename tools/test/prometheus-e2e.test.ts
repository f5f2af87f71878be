/**
 * The rendered rules run for real: a real Prometheus (built at the deployed version) loads the dev stack's rendered
 * rule file and scrapes a running service and a redis_exporter in front of a real redis-server. Its targets come up,
 * the SLO recording rules produce series; then Redis is killed and RedisDown and CircuitBreakerOpen reach pending
 * or firing. Only this copy's intervals are shortened (1 s scrapes, `for` cut to seconds); Kubernetes discovery is
 * swapped for static targets carrying the labels the pod scrape gives.
 */
import { type ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { EXPORTER_METRICS } from "@platform/components";
import { describeWithTool, platformTool, waitFor } from "@platform/components/testing";
import type { FastifyInstance } from "fastify";
import { parse, stringify } from "yaml";
import { afterAll, beforeAll, expect, it } from "vitest";
import { build } from "../../app/src/app";
import { loadConfig } from "../../app/src/config";
import { RedisServer, freePort } from "../../app/test/support/redis-server";
import { renderStack, renderedConfigMapData } from "./support/rendered";

/** redis_exporter: the platform-tools build when the module proxy serves it, else Debian's package (an older release). */
const EXPORTER = platformTool("redis_exporter") ?? platformTool("prometheus-redis-exporter");

interface Rule {
  record?: string;
  alert?: string;
  expr: string;
  for?: string;
}

/** The dev render's rule groups, with every `for` shortened to 3 s for this copy. */
function renderedRules(dir: string): { groups: { name: string; rules: Rule[] }[] } {
  const data = renderedConfigMapData(renderStack("dev", path.join(dir, "render")), "prometheus", "rules");
  const rules = parse(data["rules.yaml"] as string) as { groups: { name: string; rules: Rule[] }[] };
  for (const g of rules.groups) for (const r of g.rules) if (r.for) r.for = "3s";
  return rules;
}

// Without an exporter the suite is skipped with one line naming redis_exporter; without Prometheus, naming prometheus.
describeWithTool(EXPORTER ? "prometheus" : "redis_exporter", "the dev stack's rules in a real Prometheus, against the real service and Redis", (prometheusBin) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "prometheus-e2e-"));
  const children: ChildProcess[] = [];
  let redis: RedisServer;
  let app: FastifyInstance;
  let promUrl = "";
  let traffic: NodeJS.Timeout | undefined;

  const api = async (query: string) => {
    const res = await fetch(`${promUrl}/api/v1/${query}`);
    return (await res.json()) as { data: unknown };
  };

  beforeAll(async () => {
    redis = await RedisServer.start();
    app = await build({ config: loadConfig({ REDIS_URL: redis.url, LOG_LEVEL: "silent", RATE_LIMIT_MAX: "1000000", BREAKER_RESET_MS: "60000", REDIS_COMMAND_TIMEOUT_MS: "200" }) });
    const appAddress = new URL(await app.listen({ port: 0, host: "127.0.0.1" })).host;
    const exporterPort = await freePort();
    children.push(spawn(EXPORTER as string, [`--web.listen-address=127.0.0.1:${exporterPort}`, `--redis.addr=redis://127.0.0.1:${redis.port}`], { stdio: "ignore" }));
    fs.writeFileSync(path.join(dir, "rules.yaml"), stringify(renderedRules(dir)));
    const podLabels = (app: string, component: string, pod: string) => ({ namespace: "notes-dev", app, component, pod, job: app });
    fs.writeFileSync(
      path.join(dir, "prometheus.yml"),
      stringify({
        global: { scrape_interval: "1s", evaluation_interval: "1s" },
        rule_files: [path.join(dir, "rules.yaml")],
        scrape_configs: [
          { job_name: "notes", static_configs: [{ targets: [appAddress], labels: podLabels("notes", "api", "notes-0") }] },
          { job_name: "notes-redis", static_configs: [{ targets: [`127.0.0.1:${exporterPort}`], labels: podLabels("notes-redis", "redis", "redis-0") }] },
        ],
      }),
    );
    const promPort = await freePort();
    promUrl = `http://127.0.0.1:${promPort}`;
    children.push(
      spawn(prometheusBin, [`--config.file=${path.join(dir, "prometheus.yml")}`, `--storage.tsdb.path=${path.join(dir, "data")}`, `--web.listen-address=127.0.0.1:${promPort}`], {
        stdio: ["ignore", "ignore", fs.openSync(path.join(dir, "prometheus.log"), "w")],
      }),
    );
    // Steady API traffic, so the SLO recording rules have requests to divide.
    traffic = setInterval(() => {
      void app.inject({ url: "/v1/notes" }).catch(() => undefined);
    }, 50);
  }, 60_000);

  afterAll(async () => {
    if (traffic) clearInterval(traffic);
    for (const c of children) c.kill("SIGKILL");
    await app?.close();
    await redis?.stop().catch(() => undefined);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("scrapes both targets and records the SLO series; with Redis killed, RedisDown and CircuitBreakerOpen go pending or firing", async () => {
    await waitFor("both targets up", 30_000, async () => {
      const targets = ((await api("targets")).data as { activeTargets: { health: string }[] }).activeTargets;
      return targets.length === 2 && targets.every((t) => t.health === "up") ? true : undefined;
    });
    const series = await waitFor("slo:api_errors:ratio_rate5m to have a value", 30_000, async () => {
      const r = (await api("query?query=slo:api_errors:ratio_rate5m")).data as { result: { value: [number, string] }[] };
      return r.result.length > 0 ? r.result : undefined;
    });
    expect(Number(series[0]?.value[1])).toBe(0);

    // The exporter's documented list (metric-sources.ts) holds against the real exporter: every name a standalone
    // master can have (the Sentinel collector's need a Sentinel, master_link_up a replica).
    const scraped = await waitFor("the exporter's series", 30_000, async () => {
      const r = (await api(`query?query=${encodeURIComponent('group by (__name__) ({job="notes-redis"})')}`)).data as { result: { metric: { __name__: string } }[] };
      return r.result.length > 20 ? new Set(r.result.map((x) => x.metric.__name__)) : undefined;
    });
    const standalone = EXPORTER_METRICS["redisExporter"]?.metrics.filter((m) => !m.startsWith("redis_sentinel_") && m !== "redis_master_link_up") ?? [];
    expect(standalone.filter((m) => !scraped.has(m))).toEqual([]);

    await redis.kill();
    const states = await waitFor("RedisDown and CircuitBreakerOpen alerts", 60_000, async () => {
      const alerts = ((await api("alerts")).data as { alerts: { labels: { alertname: string }; state: string }[] }).alerts;
      const state = (name: string) => alerts.find((a) => a.labels.alertname === name)?.state;
      const down = state("RedisDown");
      const breaker = state("CircuitBreakerOpen");
      return down && breaker ? { down, breaker } : undefined;
    });
    expect(["pending", "firing"]).toContain(states.down);
    expect(["pending", "firing"]).toContain(states.breaker);
  }, 120_000);
});
