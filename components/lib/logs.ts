/**
 * The log contract between the log shipper and Loki (DESIGN.md, Observability): the resource attributes the
 * shipper sets on every record and the only ones Loki indexes as stream labels. Few and low-cardinality: the
 * pod's app (`service.name`, from its app.kubernetes.io/name label) and component, its namespace, the
 * container, and the line's level. Everything else (pod name and uid, trace_id, span_id) travels as structured
 * metadata, never as a label. Loki names each label after the attribute with dots as underscores.
 */
export const LOG_STREAM_ATTRIBUTES = ["service.name", "component", "k8s.namespace.name", "k8s.container.name", "level"] as const;

/** The Loki label an OTLP resource attribute becomes (Loki replaces what is not a label character by "_"). */
export function lokiLabelName(attribute: string): string {
  return attribute.replace(/[^a-zA-Z0-9_]/g, "_");
}
