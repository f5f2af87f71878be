/** LogQL checks for the tests, with Grafana's own LogQL grammar (the one its query editor uses). */
import type * as LezerLogql from "@grafana/lezer-logql" with { "resolution-mode": "import" };

// lezer-logql types itself as ESM; its CommonJS build is what this CommonJS package can require.
const { parser } = require("@grafana/lezer-logql") as typeof LezerLogql;

/** Why a query is not valid LogQL: one line per syntax error (with its offset), empty when it parses. */
export function logqlProblems(query: string): string[] {
  if (query.trim() === "") return ["empty query"];
  const problems: string[] = [];
  parser.parse(query).iterate({
    enter(node) {
      if (node.type.isError) problems.push(`syntax error at ${node.from}: …${query.slice(Math.max(0, node.from - 20), node.from)}⟨here⟩${query.slice(node.from, node.from + 20)}…`);
    },
  });
  return problems;
}

/** The label names a query's stream selectors match on, e.g. ["service_name", "k8s_namespace_name"]. */
export function logqlStreamLabels(query: string): string[] {
  const names: string[] = [];
  const selectors: { from: number; to: number }[] = [];
  parser.parse(query).iterate({
    enter(node) {
      if (node.name === "Selector") selectors.push({ from: node.from, to: node.to });
      const inSelector = selectors.some((s) => node.from >= s.from && node.to <= s.to);
      if (node.name === "Identifier" && node.node.parent?.name === "Matcher" && inSelector) names.push(query.slice(node.from, node.to));
    },
  });
  return names;
}
