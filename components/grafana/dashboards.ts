/**
 * The stack's Grafana dashboards as typed code (@grafana/grafana-foundation-sdk), never pasted JSON:
 * the service (traffic, errors, duration, saturation, instances), its SLOs (error budget and burn rates
 * over the recording rules of ../prometheus/rules), Redis (and its replication and Sentinels in Sentinel
 * mode), and the service's circuit breaker and rate limiting.
 *
 * Pure builders: plain values in, plain JSON-serialisable dashboards out, with stable uids; no Pulumi
 * resource here (the Grafana component provisions them as ConfigMaps). Every query selects its series
 * with the same TargetSelectors as the alert rules, reads the Prometheus datasource by uid, and uses only
 * metrics of the contract: the service's (app/README.md), the recording rules', or an exporter's
 * documented list (../prometheus/metric-sources.ts); test/grafana-dashboards.test.ts proves it.
 *
 * Where the SDK has no builder, typed objects of the SDK's own types stand in, each marked below:
 * - value mappings (`dashboard.ValueMap`): the SDK has no mapping builder; `mappings()` takes the objects;
 * - field overrides' properties (`dashboard.DynamicConfigValue`): the SDK types them `{ id: string; value?: any }`
 *   (ids are Grafana field-config paths), so `override()` below builds each value with the SDK's builders
 *   (LineStyleBuilder, FieldColorBuilder) to keep them checked.
 * The built dashboards go through JSON once: the SDK's query objects carry a marker method
 * (`_implementsDataqueryVariant`) that is not data.
 */
import { createHash } from "node:crypto";
import * as common from "@grafana/grafana-foundation-sdk/common";
import * as dashboard from "@grafana/grafana-foundation-sdk/dashboard";
import * as prometheus from "@grafana/grafana-foundation-sdk/prometheus";
import * as logs from "@grafana/grafana-foundation-sdk/logs";
import * as loki from "@grafana/grafana-foundation-sdk/loki";
import * as stat from "@grafana/grafana-foundation-sdk/stat";
import * as statetimeline from "@grafana/grafana-foundation-sdk/statetimeline";
import * as timeseries from "@grafana/grafana-foundation-sdk/timeseries";
import * as units from "@grafana/grafana-foundation-sdk/units";
import { lokiLabelName } from "../lib/logs";
import { BURN_RATE_ALERTS, SLO_WINDOWS, type SloTargets, type TargetSelectors } from "../prometheus/rules";

/**
 * Where logs and traces plug in.
 * - `tracesDatasourceUid`: when set, the latency panels (HTTP duration, the service's Redis p99) ask Prometheus
 *   for exemplars. The link from an exemplar's `trace_id` to the trace is configured on the Prometheus
 *   datasource (`jsonData.exemplarTraceIdDestinations: [{ name: "trace_id", datasourceUid }]`). The service does
 *   not emit exemplars (prom-client needs the OpenMetrics registry and the active span's ids), so the stack leaves
 *   this unset; the path from a slow request to its trace is the Logs row instead.
 * - `logs`: adds the service dashboard's Logs row, from Loki: the slow requests (over the latency SLO's threshold)
 *   and the warnings and errors, newest first. Each line's `trace_id` links to its trace (the Loki datasource's
 *   derived field), and the trace back to its lines: a slow request is two clicks from its trace and its logs.
 */
export interface DashboardCorrelations {
  readonly tracesDatasourceUid?: string;
  readonly logs?: {
    readonly datasourceUid: string;
    /** The service's log streams, as a LogQL stream selector, e.g. `{service_name="notes", k8s_namespace_name="notes"}`. */
    readonly streamSelector: string;
  };
}

export interface DashboardsInput {
  readonly selectors: TargetSelectors;
  readonly slo: SloTargets;
  /** The service's namespace (cAdvisor and kube-state-metrics label their series with it). */
  readonly namespace: string;
  /** The service's Deployment: kube-state-metrics' `deployment` label and its pods' name prefix. */
  readonly deploymentName: string;
  /** Redis in Sentinel mode: adds the replication and Sentinel panels (needs `selectors.sentinel`). */
  readonly sentinel: boolean;
  /** The uid of the Prometheus datasource every panel queries. */
  readonly datasourceUid: string;
  /** Logs and traces datasources: the Logs row and exemplars; see DashboardCorrelations. */
  readonly correlations?: DashboardCorrelations;
  /** Redis backups report to the Pushgateway: adds the backup panels; the schedule's period colours their age. */
  readonly backups?: { readonly intervalSeconds: number };
}

export type JsonValue = null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue };

export interface DatasourceRefJson {
  readonly type: string;
  readonly uid: string;
  readonly [key: string]: JsonValue;
}

export interface TargetJson {
  readonly refId: string;
  readonly expr: string;
  readonly datasource: DatasourceRefJson;
  readonly [key: string]: JsonValue;
}

export interface PanelJson {
  readonly id: number;
  readonly type: string;
  readonly title: string;
  readonly description?: string;
  readonly datasource: DatasourceRefJson;
  readonly targets?: readonly TargetJson[];
  readonly [key: string]: JsonValue | undefined;
}

/** A built dashboard: what Grafana's dashboard JSON model expects, as plain data. */
export interface DashboardJson {
  readonly uid: string;
  readonly title: string;
  readonly tags: readonly string[];
  readonly panels: readonly PanelJson[];
  readonly [key: string]: JsonValue | readonly PanelJson[];
}

/** The dashboards' kinds, in the order dashboards() returns them; each is the last part of its uid. */
export const DASHBOARD_KINDS = ["service", "slo", "redis", "resilience"] as const;
export type DashboardKind = (typeof DASHBOARD_KINDS)[number];

/** Only the API counts toward the SLOs: the same matcher as the recording rules (rules.ts' API_ROUTES; a test compares). */
export const API_ROUTES = 'route=~"/v1/.*"';

/** Thresholds that mirror the cause alerts of rules.ts, so a panel turns red where the alert fires. */
const ALERT_LEVELS = {
  /** RedisMemoryNearLimit */
  redisMemoryRatio: 0.9,
  /** RateLimitRejectionsSurging */
  rateLimitedShare: 0.1,
  /** ServicePodsRestarting: more than 2 restarts in 15 minutes. */
  restartsIn15m: 2,
} as const;

/**
 * Grafana's uid: at most 40 characters of `a-z A-Z 0-9 - _`. Derived from the namespace and the Deployment
 * only, so it survives every change to the dashboards' content (links and stars keep working); a hash
 * keeps long names distinct when they have to be cut.
 */
export function dashboardUid(input: Pick<DashboardsInput, "namespace" | "deploymentName">, kind: DashboardKind): string {
  const base = `${input.namespace}-${input.deploymentName}`.toLowerCase().replace(/[^a-z0-9_-]+/g, "-");
  const uid = `${base}-${kind}`;
  if (uid.length <= 40) return uid;
  const hash = createHash("sha256").update(base).digest("hex").slice(0, 8);
  return `${base.slice(0, 40 - kind.length - hash.length - 2)}-${hash}-${kind}`;
}

/** All four dashboards, in DASHBOARD_KINDS order. */
export function dashboards(input: DashboardsInput): DashboardJson[] {
  return [serviceDashboard(input), sloDashboard(input), redisDashboard(input), resilienceDashboard(input)];
}

// ---------------------------------------------------------------------------------------------------------
// Building blocks

interface Query {
  readonly expr: string;
  /** Grafana's legend template, e.g. `{{route}}`. */
  readonly legend: string;
  /** For stat panels: one value now rather than a range. */
  readonly instant?: boolean;
}

interface PanelSpec {
  readonly title: string;
  readonly description: string;
  readonly queries: readonly Query[];
  readonly unit: string;
  /** Grid width (of 24) and height. */
  readonly w: number;
  readonly h?: number;
  /** Absolute threshold steps: the first is the base colour (value null). */
  readonly thresholds?: readonly dashboard.Threshold[];
  readonly min?: number;
  readonly max?: number;
  readonly decimals?: number;
  /** Typed objects: the SDK has no value-mapping builder. */
  readonly mappings?: readonly dashboard.ValueMapping[];
}

interface TimeSeriesSpec extends PanelSpec {
  /** Draw the thresholds on the graph (dashed lines) rather than only colouring by them. */
  readonly showThresholds?: boolean;
  readonly stacked?: boolean;
  readonly bars?: boolean;
  /** Ask for exemplars when a trace datasource is given (latency histograms only). */
  readonly exemplars?: boolean;
  /** Series whose display name matches the regexp are drawn as reference lines (requests, limits, maxmemory, quorum). */
  readonly referenceLines?: readonly { readonly match: string; readonly color: string }[];
  readonly legendAsTable?: boolean;
  readonly axisLabel?: string;
}

type AnyPanelBuilder = timeseries.PanelBuilder | stat.PanelBuilder | statetimeline.PanelBuilder | logs.PanelBuilder;

interface Section {
  readonly title: string;
  readonly panels: readonly AnyPanelBuilder[];
}

const GREEN_ONLY: readonly dashboard.Threshold[] = [{ value: null, color: "green" }];

/** A field override's property. Typed object: the SDK types these `{ id: string; value?: any }`. */
function override(id: string, value: unknown): dashboard.DynamicConfigValue {
  return { id, value };
}

/** Red below 1, green from 1: for up/down, link and quorum states. */
const RED_BELOW_ONE = [
  { value: null, color: "red" },
  { value: 1, color: "green" },
];

/** Up/down as words and colours (`up`, `redis_up`, `redis_master_link_up`). Typed objects: no mapping builder in the SDK. */
const UP_DOWN: readonly dashboard.ValueMapping[] = [
  {
    type: dashboard.MappingType.ValueToText,
    options: { "0": { text: "down", color: "red", index: 0 }, "1": { text: "up", color: "green", index: 1 } },
  },
];

/** Floats as PromQL literals without binary noise, as rules.ts writes them. */
function round(x: number): number {
  return Number(x.toPrecision(6));
}

/** A literal as an RE2 pattern inside a PromQL double-quoted string: regex-escaped, then its backslashes escaped for the string. */
function regexLiteral(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&").replace(/[\\"]/g, "\\$&");
}

/** The selectors of one dashboard's queries, and the panel factories bound to its datasource and panel ids. */
class Kit {
  private nextId = 1;
  readonly svc: string;
  readonly api: string;
  readonly redis: string;
  readonly ksmPods: string;
  readonly cadvisorPods: string;
  readonly ksmDeployment: string;

  constructor(readonly input: DashboardsInput) {
    const s = input.selectors;
    const ns = `namespace="${input.namespace}"`;
    // A Deployment's pods are `<deployment>-<pod-template-hash>-<5 characters>`: tighter than `<deployment>-.*`,
    // which would also take a StatefulSet's `<deployment>-redis-0`.
    const pods = `pod=~"${regexLiteral(input.deploymentName)}-[a-z0-9]{1,10}-[a-z0-9]{5}"`;
    this.svc = s.service;
    this.api = `${s.service}, ${API_ROUTES}`;
    this.redis = s.redis;
    this.ksmPods = `${s.kubeStateMetrics}, ${ns}, ${pods}`;
    this.ksmDeployment = `${s.kubeStateMetrics}, ${ns}, deployment="${input.deploymentName}"`;
    // cAdvisor (the kubelet's /metrics/cadvisor) has no selector in TargetSelectors: its series carry the pod's
    // namespace, pod and container; `container!=""` leaves out the pod-level cgroup, `container!="POD"` the pause container.
    this.cadvisorPods = `${ns}, ${pods}, container!="", container!="POD"`;
  }

  get datasource(): common.DataSourceRef {
    return { type: "prometheus", uid: this.input.datasourceUid };
  }

  private id(): number {
    return this.nextId++;
  }

  private targets(queries: readonly Query[], exemplars: boolean): prometheus.DataqueryBuilder[] {
    const traces = this.input.correlations?.tracesDatasourceUid;
    return queries.map((q, i) => {
      const t = new prometheus.DataqueryBuilder()
        .refId(String.fromCharCode(65 + i))
        .datasource(this.datasource)
        .expr(q.expr)
        .legendFormat(q.legend);
      if (q.instant) t.instant();
      else t.range();
      if (exemplars && traces) t.exemplar(true);
      return t;
    });
  }

  private thresholds(steps: readonly dashboard.Threshold[] | undefined): dashboard.ThresholdsConfigBuilder {
    return new dashboard.ThresholdsConfigBuilder().mode(dashboard.ThresholdsMode.Absolute).steps([...(steps ?? GREEN_ONLY)]);
  }

  timeSeries(spec: TimeSeriesSpec): timeseries.PanelBuilder {
    const p = new timeseries.PanelBuilder()
      .id(this.id())
      .title(spec.title)
      .description(spec.description)
      .datasource(this.datasource)
      .targets(this.targets(spec.queries, spec.exemplars ?? false))
      .unit(spec.unit)
      .span(spec.w)
      .height(spec.h ?? 8)
      .thresholds(this.thresholds(spec.thresholds))
      .thresholdsStyle(new common.GraphThresholdsStyleConfigBuilder().mode(spec.showThresholds ? common.GraphThresholdsStyleMode.Dashed : common.GraphThresholdsStyleMode.Off))
      .colorScheme(new dashboard.FieldColorBuilder().mode(dashboard.FieldColorModeId.PaletteClassic))
      .drawStyle(spec.bars ? common.GraphDrawStyle.Bars : common.GraphDrawStyle.Line)
      .lineWidth(1)
      .fillOpacity(spec.stacked || spec.bars ? 60 : 10)
      .showPoints(common.VisibilityMode.Never)
      .spanNulls(false)
      .stacking(new common.StackingConfigBuilder().mode(spec.stacked ? common.StackingMode.Normal : common.StackingMode.None))
      .legend(
        new common.VizLegendOptionsBuilder()
          .showLegend(true)
          .displayMode(spec.legendAsTable ? common.LegendDisplayMode.Table : common.LegendDisplayMode.List)
          .placement(common.LegendPlacement.Bottom)
          .calcs(spec.legendAsTable ? ["mean", "max", "lastNotNull"] : []),
      )
      .tooltip(new common.VizTooltipOptionsBuilder().mode(common.TooltipDisplayMode.Multi).sort(common.SortOrder.Descending));
    if (spec.min !== undefined) p.min(spec.min);
    if (spec.max !== undefined) p.max(spec.max);
    if (spec.decimals !== undefined) p.decimals(spec.decimals);
    if (spec.axisLabel) p.axisLabel(spec.axisLabel);
    if (spec.mappings) p.mappings([...spec.mappings]);
    for (const line of spec.referenceLines ?? []) {
      p.overrideByRegexp(line.match, [
        override("custom.lineStyle", new common.LineStyleBuilder().fill("dash").dash([10, 10]).build()),
        override("color", new dashboard.FieldColorBuilder().mode(dashboard.FieldColorModeId.Fixed).fixedColor(line.color).build()),
        override("custom.fillOpacity", 0),
        override("custom.stacking", new common.StackingConfigBuilder().mode(common.StackingMode.None).build()),
      ]);
    }
    return p;
  }

  stat(spec: PanelSpec & { readonly colorBackground?: boolean }): stat.PanelBuilder {
    const p = new stat.PanelBuilder()
      .id(this.id())
      .title(spec.title)
      .description(spec.description)
      .datasource(this.datasource)
      .targets(this.targets(spec.queries, false))
      .unit(spec.unit)
      .span(spec.w)
      .height(spec.h ?? 8)
      .thresholds(this.thresholds(spec.thresholds))
      .colorMode(spec.colorBackground ? common.BigValueColorMode.Background : common.BigValueColorMode.Value)
      .graphMode(common.BigValueGraphMode.None)
      .textMode(common.BigValueTextMode.Auto)
      .justifyMode(common.BigValueJustifyMode.Auto)
      .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(["lastNotNull"]).values(false));
    if (spec.min !== undefined) p.min(spec.min);
    if (spec.max !== undefined) p.max(spec.max);
    if (spec.decimals !== undefined) p.decimals(spec.decimals);
    if (spec.mappings) p.mappings([...spec.mappings]);
    return p;
  }

  stateTimeline(spec: PanelSpec): statetimeline.PanelBuilder {
    const p = new statetimeline.PanelBuilder()
      .id(this.id())
      .title(spec.title)
      .description(spec.description)
      .datasource(this.datasource)
      .targets(this.targets(spec.queries, false))
      .unit(spec.unit)
      .span(spec.w)
      .height(spec.h ?? 8)
      .thresholds(this.thresholds(spec.thresholds))
      .colorScheme(new dashboard.FieldColorBuilder().mode(dashboard.FieldColorModeId.Thresholds))
      .showValue(common.VisibilityMode.Auto)
      .mergeValues(true)
      .fillOpacity(80)
      .legend(new common.VizLegendOptionsBuilder().showLegend(true).displayMode(common.LegendDisplayMode.List).placement(common.LegendPlacement.Bottom))
      .tooltip(new common.VizTooltipOptionsBuilder().mode(common.TooltipDisplayMode.Multi).sort(common.SortOrder.None));
    if (spec.mappings) p.mappings([...spec.mappings]);
    return p;
  }

  /** Log lines from Loki, newest first, with their details (where the derived trace link is). */
  logLines(spec: { readonly title: string; readonly description: string; readonly datasourceUid: string; readonly expr: string; readonly w: number; readonly h?: number }): logs.PanelBuilder {
    const datasource = { type: "loki", uid: spec.datasourceUid };
    return new logs.PanelBuilder()
      .id(this.id())
      .title(spec.title)
      .description(spec.description)
      .datasource(datasource)
      .withTarget(new loki.DataqueryBuilder().refId("A").datasource(datasource).expr(spec.expr).maxLines(200).range(true))
      .span(spec.w)
      .height(spec.h ?? 10)
      .showTime(true)
      .wrapLogMessage(true)
      .prettifyLogMessage(false)
      .enableLogDetails(true)
      .sortOrder(common.LogsSortOrder.Descending)
      .dedupStrategy(common.LogsDedupStrategy.None);
  }

  /** Rows first, their panels after them (open rows), as Grafana lays out an uncollapsed row. */
  dashboard(kind: DashboardKind, title: string, description: string, time: string, sections: readonly Section[]): DashboardJson {
    const tag = `${this.input.namespace}/${this.input.deploymentName}`;
    const b = new dashboard.DashboardBuilder(`${tag} · ${title}`)
      .uid(dashboardUid(this.input, kind))
      .description(description)
      .tags(["generated", tag])
      .readonly() // provisioned from code: edits in the UI would be lost at the next deployment
      .tooltip(dashboard.DashboardCursorSync.Crosshair)
      .timezone("browser")
      .time({ from: time, to: "now" })
      .refresh("1m")
      .link(new dashboard.DashboardLinkBuilder("Dashboards").type(dashboard.DashboardLinkType.Dashboards).tags([tag]).asDropdown(true).keepTime(true).includeVars(false).targetBlank(false));
    for (const section of sections) {
      b.withRow(new dashboard.RowBuilder(section.title).id(this.id()).collapsed(false).datasource(this.datasource));
      for (const panel of section.panels) b.withPanel(panel);
    }
    // Once through JSON: plain data only (the SDK's queries carry a marker method), nothing undefined.
    return JSON.parse(JSON.stringify(b.build())) as DashboardJson;
  }
}

// ---------------------------------------------------------------------------------------------------------
// 1. The service

export function serviceDashboard(input: DashboardsInput): DashboardJson {
  const k = new Kit(input);
  const rate = (metric: string, matchers: string): string => `rate(${metric}{${matchers}}[$__rate_interval])`;
  const latencySeconds = input.slo.latencyThresholdSeconds;
  const quantile = (q: number): TimeSeriesSpec => ({
    title: `Duration p${Math.round(q * 100)} by route`,
    description: `The ${Math.round(q * 100)}th percentile of request duration per route, from the http_request_duration_seconds histogram (interpolated within a bucket). The dashed line is the latency SLO's threshold (${latencySeconds * 1000} ms).`,
    queries: [{ expr: `histogram_quantile(${q}, sum by (route, le) (${rate("http_request_duration_seconds_bucket", k.svc)}))`, legend: "{{route}}" }],
    unit: units.Seconds,
    w: 8,
    min: 0,
    thresholds: [
      { value: null, color: "green" },
      { value: latencySeconds, color: "red" },
    ],
    showThresholds: true,
    exemplars: true,
  });

  // From a slow request to its trace and its lines: each line's trace_id opens the trace (derived field).
  const logsSource = input.correlations?.logs;
  const logsSection: Section | undefined = logsSource && {
    title: "Logs",
    panels: [
      k.logLines({
        title: "Slow requests",
        description: `The service's request lines over the latency SLO's threshold (${latencySeconds * 1000} ms), newest first. Open a line: its trace_id opens the trace in Jaeger, and the trace's spans open their log lines.`,
        datasourceUid: logsSource.datasourceUid,
        expr: `${logsSource.streamSelector} | json | duration_ms > ${latencySeconds * 1000}`,
        w: 12,
      }),
      k.logLines({
        title: "Warnings and errors",
        description: "The service's lines at level warn, error or fatal (the level label), newest first; each carries its trace_id when it was logged inside a request.",
        datasourceUid: logsSource.datasourceUid,
        expr: `${logsSource.streamSelector.replace(/\}$/, `, ${lokiLabelName("level")}=~"warn|error|fatal"}`)}`,
        w: 12,
      }),
    ],
  };

  return k.dashboard(
    "service",
    "Service",
    `Requests, errors and duration by route, concurrency, saturation and instances of ${input.deploymentName} in ${input.namespace}.`,
    "now-3h",
    [
      {
        title: "Traffic and errors",
        panels: [
          k.timeSeries({
            title: "Requests by route",
            description: "Completed requests per second per route template (http_requests_total); `unmatched` are 404s.",
            queries: [{ expr: `sum by (route) (${rate("http_requests_total", k.svc)})`, legend: "{{route}}" }],
            unit: units.RequestsPerSecond,
            w: 8,
            min: 0,
            legendAsTable: true,
          }),
          k.timeSeries({
            title: "Error ratio (5xx) by route",
            description: `Share of each route's answers that are 5xx. The dashed line is the availability SLO's error budget (${round((1 - input.slo.availability) * 100)}%): above it, the route burns budget faster than the SLO allows.`,
            queries: [
              {
                expr: `sum by (route) (${rate("http_requests_total", `${k.svc}, status_code=~"5.."`)}) / sum by (route) (${rate("http_requests_total", k.svc)})`,
                legend: "{{route}}",
              },
            ],
            unit: units.PercentUnit,
            w: 8,
            min: 0,
            thresholds: [
              { value: null, color: "green" },
              { value: round(1 - input.slo.availability), color: "red" },
            ],
            showThresholds: true,
          }),
          k.timeSeries({
            title: "Errors (5xx) by route and status",
            description: "5xx answers per second per route and status code: 503 is the service refusing work (Redis down, breaker open), 500 a bug.",
            queries: [{ expr: `sum by (route, status_code) (${rate("http_requests_total", `${k.svc}, status_code=~"5.."`)})`, legend: "{{route}} {{status_code}}" }],
            unit: units.RequestsPerSecond,
            w: 8,
            min: 0,
            stacked: true,
          }),
        ],
      },
      { title: "Duration", panels: [quantile(0.5), quantile(0.9), quantile(0.99)].map((spec) => k.timeSeries(spec)) },
      {
        title: "Concurrency",
        panels: [
          k.timeSeries({
            title: "Requests in flight",
            description: "Requests being served right now, per pod (http_requests_in_flight). A climb with flat traffic means requests wait: on Redis, or on a busy event loop.",
            queries: [{ expr: `sum by (pod) (http_requests_in_flight{${k.svc}})`, legend: "{{pod}}" }],
            unit: units.Short,
            w: 12,
            min: 0,
            stacked: true,
          }),
          k.timeSeries({
            title: "Aborted requests by route",
            description: "Requests per second whose client went away, or that timed out, before the answer (http_requests_aborted_total); each is also logged as `request aborted`.",
            queries: [{ expr: `sum by (route) (${rate("http_requests_aborted_total", k.svc)})`, legend: "{{route}}" }],
            unit: units.RequestsPerSecond,
            w: 12,
            min: 0,
            thresholds: [
              { value: null, color: "green" },
              { value: 0.1, color: "orange" },
            ],
          }),
        ],
      },
      {
        title: "Saturation",
        panels: [
          k.timeSeries({
            title: "CPU per pod against requests and limits",
            description:
              "CPU cores used per pod (cAdvisor container_cpu_usage_seconds_total, all containers of the pod), with the pod's CPU requests and limits (kube-state-metrics) as dashed lines. Use near the limit means CFS throttling: see the next panel.",
            queries: [
              { expr: `sum by (pod) (${rate("container_cpu_usage_seconds_total", k.cadvisorPods)})`, legend: "{{pod}}" },
              { expr: `sum by (pod) (kube_pod_container_resource_requests{${k.ksmPods}, resource="cpu"})`, legend: "{{pod}} request" },
              { expr: `sum by (pod) (kube_pod_container_resource_limits{${k.ksmPods}, resource="cpu"})`, legend: "{{pod}} limit" },
            ],
            unit: units.Short,
            axisLabel: "CPU cores",
            w: 12,
            min: 0,
            referenceLines: [
              { match: "/ request$/", color: "orange" },
              { match: "/ limit$/", color: "red" },
            ],
          }),
          k.timeSeries({
            title: "Memory per pod against requests and limits",
            description:
              "Working-set memory per pod (cAdvisor container_memory_working_set_bytes, what the OOM killer compares with the limit), with the pod's memory requests and limits (kube-state-metrics) as dashed lines.",
            queries: [
              { expr: `sum by (pod) (container_memory_working_set_bytes{${k.cadvisorPods}})`, legend: "{{pod}}" },
              { expr: `sum by (pod) (kube_pod_container_resource_requests{${k.ksmPods}, resource="memory"})`, legend: "{{pod}} request" },
              { expr: `sum by (pod) (kube_pod_container_resource_limits{${k.ksmPods}, resource="memory"})`, legend: "{{pod}} limit" },
            ],
            unit: units.BytesIEC,
            w: 12,
            min: 0,
            referenceLines: [
              { match: "/ request$/", color: "orange" },
              { match: "/ limit$/", color: "red" },
            ],
          }),
          k.timeSeries({
            title: "CPU throttling per pod",
            description: "Share of CFS periods in which the pod's containers were throttled (cAdvisor). Throttling stalls the event loop: latency rises before CPU use looks high.",
            queries: [
              {
                expr: `sum by (pod) (${rate("container_cpu_cfs_throttled_periods_total", k.cadvisorPods)}) / sum by (pod) (${rate("container_cpu_cfs_periods_total", k.cadvisorPods)})`,
                legend: "{{pod}}",
              },
            ],
            unit: units.PercentUnit,
            w: 8,
            min: 0,
            max: 1,
            thresholds: [
              { value: null, color: "green" },
              { value: 0.25, color: "orange" },
              { value: 0.5, color: "red" },
            ],
            showThresholds: true,
          }),
          k.timeSeries({
            title: "Event-loop lag",
            description:
              "How late the Node.js event loop runs its timers, per pod (prom-client defaults): the p99 over the sampling window (nodejs_eventloop_lag_p99_seconds) and the lag at scrape time (nodejs_eventloop_lag_seconds). Lag adds to every request's duration.",
            queries: [
              { expr: `max by (pod) (nodejs_eventloop_lag_p99_seconds{${k.svc}})`, legend: "{{pod}} p99" },
              { expr: `max by (pod) (nodejs_eventloop_lag_seconds{${k.svc}})`, legend: "{{pod}} at scrape" },
            ],
            unit: units.Seconds,
            w: 8,
            min: 0,
            thresholds: [
              { value: null, color: "green" },
              { value: 0.1, color: "orange" },
              { value: 0.5, color: "red" },
            ],
            showThresholds: true,
          }),
          k.timeSeries({
            title: "Node.js heap",
            description: "V8 heap used and allocated per pod (prom-client defaults nodejs_heap_size_used_bytes, nodejs_heap_size_total_bytes). A used heap that only grows between restarts is a leak.",
            queries: [
              { expr: `sum by (pod) (nodejs_heap_size_used_bytes{${k.svc}})`, legend: "{{pod}} used" },
              { expr: `sum by (pod) (nodejs_heap_size_total_bytes{${k.svc}})`, legend: "{{pod}} total" },
            ],
            unit: units.BytesIEC,
            w: 8,
            min: 0,
          }),
        ],
      },
      {
        title: "Instances",
        panels: [
          k.stat({
            title: "Instances up",
            description: "Pods of the service that answer Prometheus' scrapes (up). 0 fires ServiceDown.",
            queries: [{ expr: `sum(up{${k.svc}})`, legend: "up", instant: true }],
            unit: units.Short,
            w: 4,
            thresholds: RED_BELOW_ONE,
            colorBackground: true,
          }),
          k.stat({
            title: "Replicas available / desired",
            description: "The Deployment's available and desired replicas (kube-state-metrics). 0 available fires ServiceNoReadyReplicas: the Service has no endpoints.",
            queries: [
              { expr: `sum(kube_deployment_status_replicas_available{${k.ksmDeployment}})`, legend: "available", instant: true },
              { expr: `sum(kube_deployment_spec_replicas{${k.ksmDeployment}})`, legend: "desired", instant: true },
            ],
            unit: units.Short,
            w: 4,
            thresholds: RED_BELOW_ONE,
          }),
          k.stateTimeline({
            title: "Scrapes per pod",
            description: "Whether each pod answered its scrape (up): a gap is a pod gone or not yet ready, red a pod that stopped answering.",
            queries: [{ expr: `up{${k.svc}}`, legend: "{{pod}}" }],
            unit: units.Short,
            w: 16,
            thresholds: RED_BELOW_ONE,
            mappings: UP_DOWN,
          }),
          k.timeSeries({
            title: "Container restarts (15 min)",
            description: `Restarts per pod and container over the last 15 minutes (kube-state-metrics kube_pod_container_status_restarts_total). More than ${ALERT_LEVELS.restartsIn15m} fires ServicePodsRestarting: look at the previous container's logs and its last state (OOMKilled, liveness).`,
            queries: [{ expr: `sum by (pod, container) (increase(kube_pod_container_status_restarts_total{${k.ksmPods}}[15m]))`, legend: "{{pod}} {{container}}" }],
            unit: units.Short,
            w: 24,
            min: 0,
            decimals: 0,
            bars: true,
            thresholds: [
              { value: null, color: "green" },
              { value: ALERT_LEVELS.restartsIn15m, color: "red" },
            ],
            showThresholds: true,
          }),
        ],
      },
      ...(logsSection ? [logsSection] : []),
    ],
  );
}

// ---------------------------------------------------------------------------------------------------------
// 2. The SLOs

export function sloDashboard(input: DashboardsInput): DashboardJson {
  const k = new Kit(input);
  const window = `${input.slo.windowDays}d`;
  const le = String(input.slo.latencyThresholdSeconds);
  const increase = (metric: string, matchers: string): string => `sum(increase(${metric}{${matchers}}[${window}]))`;
  // Over the whole window from the raw counters: the recording rules stop at 3d. `or vector(0)`: no 5xx series at all is no error.
  const errorRatio = `(${increase("http_requests_total", `${k.api}, status_code=~"5.."`)} or vector(0)) / ${increase("http_requests_total", k.api)}`;
  const slowRatio = `1 - ${increase("http_request_duration_seconds_bucket", `${k.api}, le="${le}"`)} / ${increase("http_request_duration_seconds_count", k.api)}`;

  const slos = [
    {
      name: "Availability",
      series: "api_errors",
      target: input.slo.availability,
      sli: "API requests answered without a 5xx",
      bad: errorRatio,
    },
    {
      name: "Latency",
      series: "api_slow",
      target: input.slo.latency,
      sli: `API requests answered within ${input.slo.latencyThresholdSeconds * 1000} ms`,
      bad: slowRatio,
    },
  ];
  const alertSteps = [...new Set(BURN_RATE_ALERTS.map(([, rate]) => rate))].sort((a, b) => a - b);
  const burnColors = ["yellow", "orange", "red", "dark-red"];
  const alertList = BURN_RATE_ALERTS.map(([severity, rate, long, short]) => `${rate}x over ${long} and ${short} (${severity})`).join("; ");

  return k.dashboard(
    "slo",
    "SLOs",
    `The API's availability and latency SLOs over ${input.slo.windowDays} days: what is left of each error budget, and how fast the recording rules say it burns.`,
    "now-2d",
    slos.map((slo) => {
      const budget = round(1 - slo.target);
      return {
        title: `${slo.name}: ${round(slo.target * 100)}% of ${slo.sli}, over ${input.slo.windowDays} days`,
        panels: [
          k.stat({
            title: `${slo.name} over ${input.slo.windowDays} days`,
            description: `Share of ${slo.sli} over the SLO window (${window}), from the raw counters. Green at or above the target (${round(slo.target * 100)}%).`,
            queries: [{ expr: `1 - (${slo.bad})`, legend: slo.name.toLowerCase(), instant: true }],
            unit: units.PercentUnit,
            decimals: 3,
            w: 6,
            thresholds: [
              { value: null, color: "red" },
              { value: slo.target, color: "green" },
            ],
            colorBackground: true,
          }),
          k.stat({
            title: "Error budget left",
            description: `How much of the ${window} error budget (${round(budget * 100)}% of requests) is left: 1 − bad share / budget. Below 0 the SLO is missed for this window.`,
            queries: [{ expr: `1 - (${slo.bad}) / ${budget}`, legend: "budget left", instant: true }],
            unit: units.PercentUnit,
            decimals: 1,
            w: 6,
            thresholds: [
              { value: null, color: "red" },
              { value: 0, color: "orange" },
              { value: 0.25, color: "green" },
            ],
            colorBackground: true,
          }),
          k.timeSeries({
            title: "Burn rate per window",
            description: `How many times faster than the SLO allows the budget burns, per window (recording rules slo:${slo.series}:ratio_rate<window> / ${budget}). 1x spends exactly the budget in ${input.slo.windowDays} days. The alerts fire when a long and a short window both exceed: ${alertList}.`,
            queries: SLO_WINDOWS.map((w) => ({ expr: `slo:${slo.series}:ratio_rate${w} / ${budget}`, legend: w })),
            unit: "suffix:x",
            w: 12,
            min: 0,
            thresholds: [{ value: null, color: "green" }, ...alertSteps.map((rate, i) => ({ value: rate, color: burnColors[i] ?? "red" }))],
            showThresholds: true,
          }),
        ],
      };
    }),
  );
}

// ---------------------------------------------------------------------------------------------------------
// 3. Redis

export function redisDashboard(input: DashboardsInput): DashboardJson {
  const k = new Kit(input);
  const r = k.redis;
  const rate = (metric: string, matchers: string): string => `rate(${metric}{${matchers}}[$__rate_interval])`;
  const sections: Section[] = [
    {
      title: "Commands",
      panels: [
        k.stateTimeline({
          title: "Redis up",
          description: "Whether each exporter reaches its Redis (redis_up). Down fires RedisDown: writes fail and reads come from the service's cache.",
          queries: [{ expr: `redis_up{${r}}`, legend: "{{pod}}" }],
          unit: units.Short,
          w: 8,
          thresholds: RED_BELOW_ONE,
          mappings: UP_DOWN,
        }),
        k.timeSeries({
          title: "Commands per second",
          description: "Commands processed per second per Redis (redis_commands_processed_total).",
          queries: [{ expr: `sum by (pod) (${rate("redis_commands_processed_total", r)})`, legend: "{{pod}}" }],
          unit: units.OpsPerSecond,
          w: 8,
          min: 0,
        }),
        k.timeSeries({
          title: "Commands per second by command",
          description: "Calls per second per command, all instances together (redis_commands_total, from INFO commandstats).",
          queries: [{ expr: `sum by (cmd) (${rate("redis_commands_total", r)})`, legend: "{{cmd}}" }],
          unit: units.OpsPerSecond,
          w: 8,
          min: 0,
          stacked: true,
        }),
      ],
    },
    {
      title: "Latency",
      panels: [
        k.timeSeries({
          title: "Command latency in Redis by command",
          description: "Mean time Redis spends executing each command (redis_commands_duration_seconds_total / redis_commands_total): the server side only, without network or queueing.",
          queries: [{ expr: `sum by (cmd) (${rate("redis_commands_duration_seconds_total", r)}) / sum by (cmd) (${rate("redis_commands_total", r)})`, legend: "{{cmd}}" }],
          unit: units.Seconds,
          w: 12,
          min: 0,
          legendAsTable: true,
        }),
        k.timeSeries({
          title: "Redis operation p99 seen by the service",
          description:
            "The 99th percentile of each Redis operation as the service times it (redis_command_duration_seconds), network, queueing and retries included. Far above the server-side latency: the network, the client's queue, or a failover.",
          queries: [{ expr: `histogram_quantile(0.99, sum by (operation, le) (${rate("redis_command_duration_seconds_bucket", k.svc)}))`, legend: "{{operation}}" }],
          unit: units.Seconds,
          w: 12,
          min: 0,
          exemplars: true,
          legendAsTable: true,
        }),
      ],
    },
    {
      title: "Memory, clients and keys",
      panels: [
        k.timeSeries({
          title: "Memory used against maxmemory",
          description: "Memory Redis uses per instance (redis_memory_used_bytes), with its maxmemory as a dashed line (redis_memory_max_bytes; 0, no limit, is left out).",
          queries: [
            { expr: `redis_memory_used_bytes{${r}}`, legend: "{{pod}}" },
            { expr: `redis_memory_max_bytes{${r}} > 0`, legend: "{{pod}} maxmemory" },
          ],
          unit: units.BytesIEC,
          w: 8,
          min: 0,
          referenceLines: [{ match: "/ maxmemory$/", color: "red" }],
        }),
        k.timeSeries({
          title: "Memory used / maxmemory",
          description: `Share of maxmemory in use. Above ${ALERT_LEVELS.redisMemoryRatio * 100}% fires RedisMemoryNearLimit; with noeviction, writes fail once it is full.`,
          queries: [{ expr: `redis_memory_used_bytes{${r}} / (redis_memory_max_bytes{${r}} > 0)`, legend: "{{pod}}" }],
          unit: units.PercentUnit,
          w: 8,
          min: 0,
          max: 1,
          thresholds: [
            { value: null, color: "green" },
            { value: 0.75, color: "orange" },
            { value: ALERT_LEVELS.redisMemoryRatio, color: "red" },
          ],
          showThresholds: true,
        }),
        k.timeSeries({
          title: "Connected clients",
          description: "Client connections per instance (redis_connected_clients) and those blocked in a blocking call (redis_blocked_clients). Each service pod holds a few; a climb means connection churn.",
          queries: [
            { expr: `redis_connected_clients{${r}}`, legend: "{{pod}}" },
            { expr: `redis_blocked_clients{${r}}`, legend: "{{pod}} blocked" },
          ],
          unit: units.Short,
          w: 8,
          min: 0,
        }),
        k.timeSeries({
          title: "Evictions and expirations",
          description: "Keys evicted per second because of maxmemory (redis_evicted_keys_total; with noeviction it stays 0 and writes fail instead) and keys expired by their TTL (redis_expired_keys_total).",
          queries: [
            { expr: `sum by (pod) (${rate("redis_evicted_keys_total", r)})`, legend: "{{pod}} evicted" },
            { expr: `sum by (pod) (${rate("redis_expired_keys_total", r)})`, legend: "{{pod}} expired" },
          ],
          unit: units.OpsPerSecond,
          w: 8,
          min: 0,
          thresholds: [
            { value: null, color: "green" },
            { value: 1, color: "red" },
          ],
        }),
        k.timeSeries({
          title: "Keys",
          description: "Keys per instance, all databases (redis_db_keys). Replicas should follow the master.",
          queries: [{ expr: `sum by (pod) (redis_db_keys{${r}})`, legend: "{{pod}}" }],
          unit: units.Short,
          w: 8,
          min: 0,
        }),
        k.timeSeries({
          title: "Keyspace hit ratio",
          description: "Share of key lookups that found their key (redis_keyspace_hits_total against redis_keyspace_misses_total). Reads of deleted or unknown keys count as misses.",
          queries: [
            {
              expr: `sum(${rate("redis_keyspace_hits_total", r)}) / (sum(${rate("redis_keyspace_hits_total", r)}) + sum(${rate("redis_keyspace_misses_total", r)}))`,
              legend: "hit ratio",
            },
          ],
          unit: units.PercentUnit,
          w: 8,
          min: 0,
          max: 1,
        }),
      ],
    },
  ];
  if (input.backups) {
    const b = `namespace="${input.namespace}"`;
    const period = input.backups.intervalSeconds;
    sections.push({
      title: "Backups",
      panels: [
        k.stat({
          title: "Newest verified backup age",
          description: `Time since the newest backup that a restore proved (redis_backup_last_verified_timestamp_seconds). Orange past the schedule's period (${period} s), red past twice it, when RedisBackupStale fires.`,
          queries: [{ expr: `time() - max(redis_backup_last_verified_timestamp_seconds{${b}})`, legend: "age", instant: true }],
          unit: units.Seconds,
          w: 6,
          thresholds: [
            { value: null, color: "green" },
            { value: period, color: "orange" },
            { value: 2 * period, color: "red" },
          ],
          colorBackground: true,
        }),
        k.stat({
          title: "Last run",
          description: "Whether the last backup run succeeded (redis_backup_last_run_success). Failed fires RedisBackupFailed; the job's log says why (docs/backups.md).",
          queries: [{ expr: `max(redis_backup_last_run_success{${b}})`, legend: "last run", instant: true }],
          unit: units.Short,
          w: 6,
          thresholds: RED_BELOW_ONE,
          mappings: [{ type: dashboard.MappingType.ValueToText, options: { "0": { text: "failed", color: "red", index: 0 }, "1": { text: "succeeded", color: "green", index: 1 } } }],
          colorBackground: true,
        }),
        k.timeSeries({
          title: "Backup size",
          description: "Compressed size of the newest verified backup (redis_backup_size_bytes): it follows the dataset; a sudden drop is worth a look at the keys panel.",
          queries: [{ expr: `max(redis_backup_size_bytes{${b}})`, legend: "size" }],
          unit: units.BytesIEC,
          w: 6,
          min: 0,
        }),
        k.timeSeries({
          title: "Keys in the newest verified backup",
          description: "Keys the newest verified backup holds (redis_backup_keys), against the master's keys now (redis_db_keys): a backup far below means it predates a large write, or keys expired since.",
          queries: [
            { expr: `max(redis_backup_keys{${b}})`, legend: "backup" },
            { expr: `max(sum by (pod) (redis_db_keys{${r}}))`, legend: "Redis now" },
          ],
          unit: units.Short,
          w: 6,
          min: 0,
        }),
      ],
    });
  }
  if (input.sentinel) {
    const sentinel = input.selectors.sentinel;
    if (!sentinel) throw new Error("dashboards: sentinel is true but selectors.sentinel is not set: the Sentinel panels need the Sentinel exporters' selector");
    sections.push({
      title: "Replication and Sentinel",
      panels: [
        k.stat({
          title: "Roles",
          description: "Instances per replication role (redis_instance_info). Exactly one master: none means a failover is under way or failed, two a split brain.",
          queries: [{ expr: `count by (role) (redis_instance_info{${r}})`, legend: "{{role}}", instant: true }],
          unit: units.Short,
          w: 6,
        }),
        k.timeSeries({
          title: "Connected replicas",
          description: "Replicas connected to each instance (redis_connected_slaves): the master's count should be the number of replicas; fewer fires RedisReplicationBroken.",
          queries: [{ expr: `redis_connected_slaves{${r}}`, legend: "{{pod}}" }],
          unit: units.Short,
          w: 6,
          min: 0,
          decimals: 0,
        }),
        k.stateTimeline({
          title: "Master link per replica",
          description: "Whether each replica's link to its master is up (redis_master_link_up; the master has none). Down means the replica serves stale data and cannot be promoted safely.",
          queries: [{ expr: `redis_master_link_up{${r}}`, legend: "{{pod}}" }],
          unit: units.Short,
          w: 12,
          thresholds: RED_BELOW_ONE,
          mappings: UP_DOWN,
        }),
        k.timeSeries({
          title: "Replication offset behind the newest",
          description: "Bytes of replication stream each instance is behind the most advanced one (redis_master_repl_offset, each instance's own offset in the stream): what a failover to it now would lose.",
          queries: [{ expr: `scalar(max(redis_master_repl_offset{${r}})) - redis_master_repl_offset{${r}}`, legend: "{{pod}}" }],
          unit: units.BytesIEC,
          w: 8,
          min: 0,
        }),
        k.timeSeries({
          title: "OK Sentinels against quorum",
          description: "Sentinels each Sentinel sees as up for the master, itself included (redis_sentinel_master_ok_sentinels), with the configured quorum as a dashed line (redis_sentinel_master_setting_ckquorum). Below the quorum, no failover can start.",
          queries: [
            { expr: `min by (master_name) (redis_sentinel_master_ok_sentinels{${sentinel}})`, legend: "{{master_name}} ok sentinels" },
            { expr: `max by (master_name) (redis_sentinel_master_setting_ckquorum{${sentinel}})`, legend: "{{master_name}} quorum" },
          ],
          unit: units.Short,
          w: 8,
          min: 0,
          decimals: 0,
          referenceLines: [{ match: "/ quorum$/", color: "red" }],
        }),
        k.stateTimeline({
          title: "Quorum check per Sentinel",
          description: "SENTINEL CKQUORUM as each Sentinel answers it (redis_sentinel_master_ckquorum_status): fail means the Sentinels cannot authorise a failover; RedisSentinelQuorumLost fires when none reports a quorum.",
          queries: [{ expr: `max by (pod, master_name) (redis_sentinel_master_ckquorum_status{${sentinel}})`, legend: "{{pod}} {{master_name}}" }],
          unit: units.Short,
          w: 8,
          thresholds: RED_BELOW_ONE,
          mappings: [
            {
              type: dashboard.MappingType.ValueToText,
              options: { "0": { text: "no quorum", color: "red", index: 0 }, "1": { text: "quorum", color: "green", index: 1 } },
            },
          ],
        }),
      ],
    });
  }
  return k.dashboard(
    "redis",
    "Redis",
    `Redis behind ${input.deploymentName}: commands, latency on both sides, memory against maxmemory, clients, evictions and keys${input.sentinel ? "; replication and Sentinel state" : ""}.`,
    "now-3h",
    sections,
  );
}

// ---------------------------------------------------------------------------------------------------------
// 4. Circuit breaker and rate limiting

export function resilienceDashboard(input: DashboardsInput): DashboardJson {
  const k = new Kit(input);
  const rate = (metric: string, matchers: string): string => `rate(${metric}{${matchers}}[$__rate_interval])`;
  // Typed objects: the SDK has no value-mapping builder.
  const breakerStates: dashboard.ValueMapping[] = [
    {
      type: dashboard.MappingType.ValueToText,
      options: {
        "0": { text: "closed", color: "green", index: 0 },
        "1": { text: "half-open", color: "orange", index: 1 },
        "2": { text: "open", color: "red", index: 2 },
      },
    },
  ];
  const breakerThresholds: dashboard.Threshold[] = [
    { value: null, color: "green" },
    { value: 1, color: "orange" },
    { value: 2, color: "red" },
  ];
  return k.dashboard(
    "resilience",
    "Circuit breaker and rate limiting",
    `How ${input.deploymentName} protects itself and Redis: the circuit breaker's state, what it answers instead (degraded responses), the Redis errors behind it, and rate limiting.`,
    "now-3h",
    [
      {
        title: "Circuit breaker",
        panels: [
          k.stat({
            title: "Breaker state now",
            description: "The worst state among the pods, per breaker (circuit_breaker_state: 0 closed, 1 half-open, 2 open). Open fires CircuitBreakerOpen: writes get 503 and reads come from the cache.",
            queries: [{ expr: `max by (breaker) (circuit_breaker_state{${k.svc}})`, legend: "{{breaker}}", instant: true }],
            unit: units.Short,
            w: 6,
            thresholds: breakerThresholds,
            mappings: breakerStates,
            colorBackground: true,
          }),
          k.stateTimeline({
            title: "Breaker state per pod",
            description: "Each pod's breaker over time: closed (Redis calls go through), half-open (a trial call), open (Redis calls refused locally).",
            queries: [{ expr: `max by (breaker, pod) (circuit_breaker_state{${k.svc}})`, legend: "{{breaker}} {{pod}}" }],
            unit: units.Short,
            w: 18,
            thresholds: breakerThresholds,
            mappings: breakerStates,
          }),
          k.timeSeries({
            title: "Degraded responses by kind",
            description:
              "Answers given without Redis, per second (degraded_responses_total): cached_read (served from the cache), unavailable_read (no cached copy), refused_write (certainly not applied), unknown_write (outcome unknown: the client should check before retrying).",
            queries: [{ expr: `sum by (kind) (${rate("degraded_responses_total", k.svc)})`, legend: "{{kind}}" }],
            unit: units.RequestsPerSecond,
            w: 12,
            min: 0,
            stacked: true,
          }),
          k.timeSeries({
            title: "Redis command errors by reason",
            description: "Failed Redis operations per second (redis_command_errors_total): error (Redis answered with an error), timeout (no answer in time), circuit_open (refused by the open breaker without calling Redis).",
            queries: [{ expr: `sum by (reason) (${rate("redis_command_errors_total", k.svc)})`, legend: "{{reason}}" }],
            unit: units.OpsPerSecond,
            w: 12,
            min: 0,
            stacked: true,
          }),
        ],
      },
      {
        title: "Rate limiting",
        panels: [
          k.timeSeries({
            title: "Rate-limit rejections by route",
            description: "429 answers per second per route (rate_limit_rejections_total).",
            queries: [{ expr: `sum by (route) (${rate("rate_limit_rejections_total", k.svc)})`, legend: "{{route}}" }],
            unit: units.RequestsPerSecond,
            w: 8,
            min: 0,
            stacked: true,
          }),
          k.timeSeries({
            title: "Share of API requests rate limited",
            description: `429 answers against all API requests. Above ${ALERT_LEVELS.rateLimitedShare * 100}% for 10 minutes fires RateLimitRejectionsSurging: a client misbehaves or the limit is too low.`,
            queries: [{ expr: `sum(${rate("rate_limit_rejections_total", k.svc)}) / sum(${rate("http_requests_total", k.api)})`, legend: "rate limited" }],
            unit: units.PercentUnit,
            w: 8,
            min: 0,
            thresholds: [
              { value: null, color: "green" },
              { value: ALERT_LEVELS.rateLimitedShare, color: "red" },
            ],
            showThresholds: true,
          }),
          k.timeSeries({
            title: "Rate-limit decisions without Redis",
            description: "Rate-limit decisions per second taken by each pod alone because Redis was unavailable (rate_limit_fallback_total): the limit then holds per pod, not for the whole service.",
            queries: [{ expr: `sum by (pod) (${rate("rate_limit_fallback_total", k.svc)})`, legend: "{{pod}}" }],
            unit: units.OpsPerSecond,
            w: 8,
            min: 0,
            thresholds: [
              { value: null, color: "green" },
              { value: 0.01, color: "orange" },
            ],
          }),
        ],
      },
    ],
  );
}
