/**
 * The rendered Loki configurations, checked without Loki. Loki's Go module (github.com/grafana/loki/v3) is
 * AGPL-licensed and this project does not use it, so there is no `loki -verify-config` here (README, "External
 * tools the tests build"). Instead, what that command does at startup is done from Loki v3.7.6's documentation:
 * 1. Loki parses its file strictly (an unknown key fails): the schema below is strict at every level, with the
 *    keys, types and allowed values of docs/sources/shared/configuration.md at v3.7.6, for the blocks the stack
 *    writes;
 * 2. then Config.Validate (pkg/loki/validation.go, pkg/compactor/config.go, pkg/validation/limits.go) and the
 *    documented limits: the rules of `validate` below, each with the message Loki gives.
 * Also: the labels Loki indexes are exactly the ones the log shipper sets (components/lib/logs.ts).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { LOG_STREAM_ATTRIBUTES, lokiConfig, resolveLokiArgs } from "@platform/components";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { z } from "zod";
import { renderStack, renderedConfigMapData } from "./support/rendered";

/** Loki's duration syntax (Prometheus model.Duration): 10m, 2h, 168h, 1h30m. */
const duration = z.string().regex(/^([0-9]+(ms|s|m|h|d|w|y))+$/);
const port = z.number().int().min(0).max(65535);
const strict = <T extends z.ZodRawShape>(shape: T) => z.strictObject(shape).partial();

const attributesRule = z.strictObject({
  action: z.enum(["index_label", "structured_metadata", "drop"]),
  attributes: z.array(z.string().min(1)).optional(),
  regex: z.string().optional(),
});
const embeddedCache = strict({ enabled: z.boolean(), max_size_mb: z.number().int().positive(), max_size_items: z.number().int().nonnegative(), ttl: duration });

const LokiConfig = strict({
  target: z.string(),
  auth_enabled: z.boolean(),
  server: strict({
    http_listen_address: z.string(),
    http_listen_port: port,
    grpc_listen_address: z.string(),
    grpc_listen_port: port,
    log_level: z.enum(["debug", "info", "warn", "error"]),
    log_format: z.enum(["logfmt", "json"]),
  }),
  common: strict({
    instance_addr: z.string(),
    path_prefix: z.string().min(1),
    replication_factor: z.number().int().min(1),
    ring: strict({ kvstore: strict({ store: z.enum(["consul", "etcd", "inmemory", "memberlist", "multi"]) }) }),
    storage: strict({ filesystem: strict({ chunks_directory: z.string().min(1), rules_directory: z.string().min(1) }) }),
  }),
  schema_config: strict({
    configs: z
      .array(
        z.strictObject({
          from: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
          store: z.enum(["tsdb", "boltdb-shipper"]),
          object_store: z.enum(["filesystem", "s3", "gcs", "azure", "swift", "bos", "cos", "alibabacloud", "inmemory"]),
          schema: z.enum(["v11", "v12", "v13"]),
          index: z.strictObject({ prefix: z.string(), period: duration }),
        }),
      )
      .min(1),
  }),
  compactor: strict({
    working_directory: z.string(),
    compaction_interval: duration,
    retention_enabled: z.boolean(),
    retention_delete_delay: duration,
    retention_delete_worker_count: z.number().int().positive(),
    delete_request_store: z.string(),
  }),
  limits_config: strict({
    retention_period: duration,
    max_query_lookback: duration,
    allow_structured_metadata: z.boolean(),
    volume_enabled: z.boolean(),
    ingestion_rate_mb: z.number().positive(),
    ingestion_burst_size_mb: z.number().positive(),
    max_global_streams_per_user: z.number().int().nonnegative(),
    max_label_names_per_series: z.number().int().positive(),
    reject_old_samples: z.boolean(),
    reject_old_samples_max_age: duration,
    discover_service_name: z.array(z.string()),
    otlp_config: strict({
      resource_attributes: strict({ ignore_defaults: z.boolean(), attributes_config: z.array(attributesRule) }),
      scope_attributes: z.array(attributesRule),
      log_attributes: z.array(attributesRule),
    }),
  }),
  query_range: strict({ cache_results: z.boolean(), results_cache: strict({ cache: strict({ embedded_cache: embeddedCache }) }) }),
  chunk_store_config: strict({ chunk_cache_config: strict({ embedded_cache: embeddedCache }) }),
  ruler: strict({ enable_api: z.boolean() }),
  pattern_ingester: strict({ enabled: z.boolean() }),
  analytics: strict({ reporting_enabled: z.boolean() }),
});
type LokiConfigShape = z.infer<typeof LokiConfig>;

const hours = (d: string): number => {
  let total = 0;
  for (const [, n, unit] of d.matchAll(/([0-9]+)(ms|s|m|h|d|w|y)/g)) {
    total += Number(n) * ({ ms: 1 / 3_600_000, s: 1 / 3600, m: 1 / 60, h: 1, d: 24, w: 168, y: 8760 } as Record<string, number>)[unit as string]!;
  }
  return total;
};

/** Loki's startup checks that apply to what the stack writes, each with (the gist of) Loki's message. */
function validate(c: LokiConfigShape): string[] {
  const problems: string[] = [];
  const periods = c.schema_config?.configs ?? [];
  const active = [...periods].sort((a, b) => a.from.localeCompare(b.from)).filter((p) => p.from <= new Date().toISOString().slice(0, 10)).pop();
  if (!active) problems.push("schema_config: no period is active yet");
  const limits = c.limits_config ?? {};
  if (limits.allow_structured_metadata !== false && active) {
    if (active.schema !== "v13") problems.push("schema v13 is required to store Structured Metadata and use native OTLP ingestion");
    if (active.store !== "tsdb") problems.push("`tsdb` index type is required to store Structured Metadata and use native OTLP ingestion");
  }
  for (const p of periods) {
    if (p.store === "tsdb" && hours(p.index.period) !== 24) problems.push(`schema period from ${p.from}: the tsdb index period must be 24h`);
  }
  if (periods.some((p) => p.store === "tsdb") && !c.common?.path_prefix) problems.push("tsdb_shipper.active_index_directory and cache_location must be set (or common.path_prefix)");
  if (periods.some((p) => p.store === "tsdb") && !c.compactor?.working_directory && !c.common?.path_prefix) problems.push("compactor.working_directory must be set");
  if (c.compactor?.retention_enabled && !c.compactor.delete_request_store) problems.push("compactor.delete-request-store should be configured when retention is enabled");
  if (c.compactor?.retention_enabled && limits.retention_period !== undefined && hours(limits.retention_period) < 24) problems.push("limits_config.retention_period must be at least 24h");
  for (const rule of limits.otlp_config?.resource_attributes?.attributes_config ?? []) {
    if ((rule.attributes === undefined) === (rule.regex === undefined)) problems.push("otlp_config: each rule takes either attributes or regex");
  }
  if ((limits.otlp_config?.scope_attributes ?? []).some((r) => r.action === "index_label")) problems.push("otlp_config.scope_attributes: index_label is not allowed");
  const indexed = (limits.otlp_config?.resource_attributes?.attributes_config ?? []).filter((r) => r.action === "index_label").flatMap((r) => r.attributes ?? []);
  if (indexed.length > (limits.max_label_names_per_series ?? 15)) problems.push("more index labels than max_label_names_per_series: every stream would be refused");
  // Without service.name among the index labels, Loki sets no service_name label at all (pkg/loghttp/push/otlp.go).
  if (limits.otlp_config?.resource_attributes?.ignore_defaults && !indexed.includes("service.name")) problems.push("otlp_config ignores the defaults but does not index service.name: streams get no service_name");
  if ((limits.ingestion_burst_size_mb ?? 6) < (limits.ingestion_rate_mb ?? 4)) problems.push("ingestion_burst_size_mb below ingestion_rate_mb");
  return problems;
}

function check(config: unknown): string[] {
  const parsed = LokiConfig.safeParse(config);
  if (!parsed.success) return parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
  return validate(parsed.data);
}

describe("the rendered Loki configurations, against Loki v3.7.6's reference and startup checks", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "loki-config-"));
  const rendered: Record<string, unknown> = {};
  beforeAll(() => {
    for (const stack of ["dev", "prod"]) rendered[stack] = parse(renderedConfigMapData(renderStack(stack, path.join(dir, stack)), "loki", "config")["loki.yaml"] as string);
  }, 120_000);
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("dev and prod pass, with their own retention, and index exactly the shipper's labels", () => {
    for (const [stack, days] of [["dev", 3], ["prod", 30]] as const) {
      const c = rendered[stack] as LokiConfigShape;
      expect(check(c), stack).toEqual([]);
      expect(c.limits_config?.retention_period).toBe(`${days * 24}h`);
      expect(c.limits_config?.otlp_config?.resource_attributes).toEqual({ ignore_defaults: true, attributes_config: [{ action: "index_label", attributes: [...LOG_STREAM_ATTRIBUTES] }] });
    }
  });

  it("the checks catch what Loki refuses: an unknown or misspelt key, a wrong type, and each startup rule", () => {
    const good = lokiConfig(resolveLokiArgs("loki", {})) as Record<string, Record<string, unknown>>;
    const variant = (edit: (c: Record<string, Record<string, unknown>>) => void) => {
      const c = structuredClone(good);
      edit(c);
      return check(c);
    };
    expect(check(good)).toEqual([]);
    expect(variant((c) => (c["limits_config"]!["retention_perod"] = "24h")).join()).toMatch(/limits_config: Unrecognized key.*retention_perod/);
    expect(variant((c) => (c["server"]!["http_listen_port"] = "3100")).join()).toMatch(/server.http_listen_port/);
    expect(variant((c) => (c["compactor"]!["delete_request_store"] = ""))).toContain("compactor.delete-request-store should be configured when retention is enabled");
    expect(variant((c) => ((c["schema_config"]!["configs"] as { schema: string }[])[0]!.schema = "v12"))).toContain("schema v13 is required to store Structured Metadata and use native OTLP ingestion");
    expect(variant((c) => ((c["schema_config"]!["configs"] as { index: { period: string } }[])[0]!.index.period = "168h"))).toEqual(["schema period from 2024-04-01: the tsdb index period must be 24h"]);
    expect(variant((c) => (c["limits_config"]!["retention_period"] = "12h"))).toContain("limits_config.retention_period must be at least 24h");
    expect(check(lokiConfig(resolveLokiArgs("loki", { indexLabels: ["k8s.namespace.name"] })))).toContain("otlp_config ignores the defaults but does not index service.name: streams get no service_name");
  });
});
