/**
 * PromQL checks shared by the rules and dashboards tests: does an expression parse (Prometheus' own
 * Lezer grammar, the one its UI uses), which metric names does it read, and which names does the
 * service's metric contract (app/README.md) allow.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type * as LezerPromql from "@prometheus-io/lezer-promql" with { "resolution-mode": "import" };

// lezer-promql types itself as ESM only (no .d.cts) but ships a CommonJS build: require that, typed by its ESM types.
const { parser } = require("@prometheus-io/lezer-promql") as typeof LezerPromql;

/** Why an expression is not valid PromQL: one line per syntax error (with its offset), empty when it parses. */
export function promqlProblems(expr: string): string[] {
  if (expr.trim() === "") return ["empty expression"];
  const problems: string[] = [];
  parser.parse(expr).iterate({
    enter(node) {
      if (node.type.isError) {
        problems.push(`syntax error at ${node.from}: …${expr.slice(Math.max(0, node.from - 20), node.from)}⟨here⟩${expr.slice(node.from, node.from + 20)}…`);
      } else if (node.name === "LabelName" && expr.slice(node.from, node.to) === "__name__") {
        // A name matched through __name__ escapes promqlMetricNames, and so the metric-contract check.
        problems.push(`metric selected through __name__ at ${node.from}: write the metric name instead`);
      }
    },
  });
  return problems;
}

/** The metric names an expression reads: the Identifier directly under each VectorSelector (recording rule names included). */
export function promqlMetricNames(expr: string): string[] {
  const names = new Set<string>();
  parser.parse(expr).iterate({
    enter(node) {
      if (node.name === "Identifier" && node.node.parent?.name === "VectorSelector") names.add(expr.slice(node.from, node.to));
    },
  });
  return [...names].sort();
}

/** The text of each vector selector of an expression: its metric name and label matchers, e.g. `up{job="x"}`. */
export function promqlVectorSelectors(expr: string): string[] {
  const found: string[] = [];
  parser.parse(expr).iterate({
    enter(node) {
      if (node.name === "VectorSelector") found.push(expr.slice(node.from, node.to));
    },
  });
  return found;
}

/**
 * prom-client's default metrics (prom-client 15.1.3, lib/metrics/*.js, as the app's lockfile pins it) that
 * the dashboards or rules read. app/README.md only promises `process_*` and `nodejs_*` as a family, so each
 * concrete name used is listed here, and only names in this list pass; add one only after checking it in
 * prom-client's lib/metrics.
 */
export const PROM_CLIENT_DEFAULT_METRICS: readonly string[] = [
  "nodejs_eventloop_lag_seconds", // eventLoopLag.js
  "nodejs_eventloop_lag_p99_seconds", // eventLoopLag.js
  "nodejs_heap_size_used_bytes", // heapSizeAndUsed.js
  "nodejs_heap_size_total_bytes", // heapSizeAndUsed.js
];

export interface ServiceMetricContract {
  /** Every series name the service exposes by the table (histograms with their _bucket, _sum and _count). */
  readonly names: ReadonlySet<string>;
  /** The families the table names only by prefix (`process_`, `nodejs_`): prom-client's defaults. */
  readonly prefixes: readonly string[];
}

/** The metrics table of app/README.md ("Metrics (the contract for alerts and dashboards)"), parsed. */
export function serviceMetricContract(readmePath = path.resolve(__dirname, "..", "..", "app", "README.md")): ServiceMetricContract {
  const readme = fs.readFileSync(readmePath, "utf8");
  const section = /^## Metrics \(the contract for alerts and dashboards\)$([\s\S]*?)(?=^## )/m.exec(readme)?.[1];
  if (!section) throw new Error(`${readmePath} has no "Metrics (the contract for alerts and dashboards)" section`);
  const names = new Set<string>();
  const prefixes: string[] = [];
  for (const line of section.split("\n")) {
    const cells = line.split("|").map((c) => c.trim());
    // | `name` | type | labels | meaning |  (cells[0] is the empty text before the first pipe)
    const first = cells[1] ?? "";
    if (!first.startsWith("`")) continue;
    const type = cells[2] ?? "";
    for (const [, name, star] of first.matchAll(/`([a-zA-Z_:][a-zA-Z0-9_:]*)(\*)?`/g)) {
      if (!name) continue;
      if (star) {
        prefixes.push(name);
      } else if (type === "histogram") {
        for (const suffix of ["_bucket", "_sum", "_count"]) names.add(name + suffix);
      } else {
        names.add(name);
      }
    }
  }
  return { names, prefixes };
}

/** The service's allowed names: the README table's own, plus the listed prom-client defaults of its prefixed families. */
export function serviceMetricNames(contract: ServiceMetricContract = serviceMetricContract()): Set<string> {
  const allowed = new Set(contract.names);
  for (const name of PROM_CLIENT_DEFAULT_METRICS) {
    if (contract.prefixes.some((prefix) => name.startsWith(prefix))) allowed.add(name);
  }
  return allowed;
}

/** The sample names in a Prometheus text exposition (a /metrics page), comments left out. */
export function exposedMetricNames(text: string): Set<string> {
  return new Set(
    text
      .split("\n")
      .filter((line) => line && !line.startsWith("#"))
      .map((line) => line.split(/[{ ]/)[0] as string),
  );
}
