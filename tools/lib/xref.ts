/** Cross-reference checks over the rendered set: selectors, ports, names and keys must point at something. */
import { type Json, type JsonObject, type K8sObject, arr, describe, obj, str } from "./objects";

export interface XrefResult {
  readonly errors: string[];
  /** Things the objects refer to that the cluster or the user must provide. */
  readonly external: string[];
}

const WORKLOADS = new Set(["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"]);

const labelsOf = (v: Json | undefined): Record<string, string> =>
  Object.fromEntries(Object.entries(obj(v)).filter((e): e is [string, string] => typeof e[1] === "string"));

interface PodTemplate {
  readonly owner: K8sObject;
  readonly namespace: string;
  readonly labels: Record<string, string>;
  readonly spec: JsonObject;
  readonly claimTemplates: string[];
}

function matches(selector: Record<string, string>, labels: Record<string, string>): boolean {
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

export function crossReference(objects: readonly K8sObject[]): XrefResult {
  const errors: string[] = [];
  const external = new Set<string>();
  const ns = (o: K8sObject) => o.metadata.namespace ?? "default";
  const find = (kind: string, namespace: string | undefined, name: string) =>
    objects.find((o) => o.kind === kind && o.metadata.name === name && (namespace === undefined || ns(o) === namespace));

  const pods: PodTemplate[] = objects
    .filter((o) => WORKLOADS.has(o.kind))
    .map((o) => {
      const spec = obj(o["spec"]);
      const template = obj(spec["template"]);
      return {
        owner: o,
        namespace: ns(o),
        labels: labelsOf(obj(template["metadata"])["labels"]),
        spec: obj(template["spec"]),
        claimTemplates: arr(spec["volumeClaimTemplates"]).map((c) => str(obj(obj(c)["metadata"])["name"]) ?? ""),
      };
    });
  const podsIn = (namespace: string, selector: Record<string, string>) => pods.filter((p) => p.namespace === namespace && matches(selector, p.labels));
  const containersOf = (p: PodTemplate) => [...arr(p.spec["initContainers"]), ...arr(p.spec["containers"])].map(obj);
  const portNames = (p: PodTemplate) => containersOf(p).flatMap((c) => arr(c["ports"]).map((x) => str(obj(x)["name"])));
  const portNumbers = (p: PodTemplate) => containersOf(p).flatMap((c) => arr(c["ports"]).map((x) => obj(x)["containerPort"]));
  const dataKeys = (o: K8sObject) => [...Object.keys(obj(o["data"])), ...Object.keys(obj(o["stringData"])), ...Object.keys(obj(o["binaryData"]))];

  // Namespaces whose pods the set defines: a peer there must match one of them.
  const workloadNamespaces = new Set([...pods.map((p) => p.namespace), ...objects.filter((o) => o.kind === "Gateway").map(ns)]);
  // Proxy pods a Gateway implementation will run, labelled as the Gateway's spec.infrastructure.labels ask.
  const gatewayProxiesIn = (namespace: string, selector: Record<string, string>) =>
    objects.filter((o) => o.kind === "Gateway" && ns(o) === namespace && matches(selector, labelsOf(obj(obj(o["spec"])["infrastructure"])["labels"])));
  const hasPort = (p: PodTemplate, port: Json | undefined) => (typeof port === "string" ? portNames(p).includes(port) : portNumbers(p).includes(port ?? null));

  /** Every peer of a NetworkPolicy rule selects pods the set defines (or is listed as external), and every port exists. */
  function checkPolicyRules(where: string, namespace: string, targets: PodTemplate[], direction: "ingress" | "egress", rules: JsonObject[]): void {
    rules.forEach((rule, index) => {
      const ports = arr(rule["ports"]).map((p) => obj(p)["port"]);
      if (direction === "ingress") {
        for (const port of ports) {
          if (port !== undefined && !targets.every((t) => hasPort(t, port))) errors.push(`${where}: ingress rule ${index} port ${JSON.stringify(port)} is not a container port of every selected pod`);
        }
      }
      for (const peer of arr(rule[direction === "ingress" ? "from" : "to"]).map(obj)) {
        if (peer["ipBlock"] !== undefined) continue;
        const podSelector = labelsOf(obj(peer["podSelector"])["matchLabels"]);
        const nsSelector = peer["namespaceSelector"] === undefined ? undefined : labelsOf(obj(peer["namespaceSelector"])["matchLabels"]);
        const nsNames = nsSelector && Object.keys(nsSelector).length === 1 ? nsSelector["kubernetes.io/metadata.name"] : undefined;
        const peerNamespace = nsSelector === undefined ? namespace : nsNames;
        const podsText = Object.keys(podSelector).length > 0 ? `pods labelled ${JSON.stringify(podSelector)}` : "every pod";
        if (peerNamespace === undefined || !workloadNamespaces.has(peerNamespace)) {
          const inText =
            peerNamespace !== undefined ? `in namespace ${peerNamespace}` : Object.keys(nsSelector ?? {}).length === 0 ? "in any namespace" : `in namespaces labelled ${JSON.stringify(nsSelector)}`;
          external.add(`${podsText} ${inText} (${direction} peer of ${where})`);
          continue;
        }
        if (Object.keys(podSelector).length === 0) continue;
        const peers = podsIn(peerNamespace, podSelector);
        if (peers.length === 0 && gatewayProxiesIn(peerNamespace, podSelector).length === 0) {
          errors.push(`${where}: ${direction} rule ${index} peer ${podsText} in namespace ${peerNamespace} matches no pod template and no Gateway's infrastructure labels`);
          continue;
        }
        if (direction === "egress") {
          for (const port of ports) {
            if (port !== undefined && peers.length > 0 && !peers.some((p) => hasPort(p, port))) errors.push(`${where}: egress rule ${index} port ${JSON.stringify(port)} is not a container port of the peer pods`);
          }
        }
      }
    });
  }

  /** cert-manager's ClusterIssuer annotation of a Gateway or Ingress; an issuer outside the set is listed as provided outside. */
  const annotatedIssuer = (o: K8sObject, where: string): string | undefined => {
    const issuer = labelsOf(o.metadata["annotations"])["cert-manager.io/cluster-issuer"];
    if (issuer && !find("ClusterIssuer", undefined, issuer)) external.add(`ClusterIssuer ${issuer} (used by ${where})`);
    return issuer;
  };
  /** A TLS Secret is in the set, or cert-manager will issue it because the object names an issuer. */
  const checkTlsSecret = (where: string, namespace: string, name: string, issuer: string | undefined, field: string) => {
    if (find("Secret", namespace, name)) return;
    if (issuer) external.add(`Secret ${namespace}/${name}: TLS certificate issued by cert-manager for ${where}`);
    else errors.push(`${where}: ${field} ${name} is not a Secret in the set and no cert-manager issuer is annotated`);
  };
  /** A parentRef's sectionName must name a listener of the Gateway. */
  const checkListener = (where: string, gateway: K8sObject, section: string | undefined, field: string) => {
    const listeners = arr(obj(gateway["spec"])["listeners"]).map((l) => str(obj(l)["name"]));
    if (section !== undefined && !listeners.includes(section)) errors.push(`${where}: ${field} sectionName ${section} is not a listener of ${describe(gateway)}`);
  };

  for (const o of objects) {
    const where = describe(o);
    const spec = obj(o["spec"]);
    const namespace = ns(o);
    switch (o.kind) {
      case "Service": {
        if (str(spec["type"]) === "ExternalName") break;
        const selector = labelsOf(spec["selector"]);
        if (Object.keys(selector).length === 0) {
          errors.push(`${where}: has no selector`);
          break;
        }
        const selected = podsIn(namespace, selector);
        if (selected.length === 0) {
          errors.push(`${where}: selector ${JSON.stringify(selector)} matches no pod template`);
          break;
        }
        for (const p of arr(spec["ports"]).map(obj)) {
          const target = p["targetPort"] ?? p["port"];
          const ok = selected.every((pod) => (typeof target === "string" ? portNames(pod).includes(target) : portNumbers(pod).includes(target ?? null)));
          if (!ok) errors.push(`${where}: targetPort ${JSON.stringify(target)} is not a container port of every selected pod`);
        }
        break;
      }
      case "HorizontalPodAutoscaler": {
        const ref = obj(spec["scaleTargetRef"]);
        if (!find(str(ref["kind"]) ?? "", namespace, str(ref["name"]) ?? "")) errors.push(`${where}: scaleTargetRef ${str(ref["kind"])}/${str(ref["name"])} is not in the set`);
        break;
      }
      case "PodDisruptionBudget": {
        const sel = labelsOf(obj(spec["selector"])["matchLabels"]);
        if (podsIn(namespace, sel).length === 0 && gatewayProxiesIn(namespace, sel).length === 0) {
          errors.push(`${where}: selector ${JSON.stringify(sel)} matches no pod template and no Gateway's infrastructure labels`);
        }
        break;
      }
      case "NetworkPolicy": {
        const sel = labelsOf(obj(spec["podSelector"])["matchLabels"]);
        const targets = podsIn(namespace, sel);
        if (targets.length === 0) {
          errors.push(`${where}: podSelector ${JSON.stringify(sel)} matches no pod template`);
          break;
        }
        checkPolicyRules(where, namespace, targets, "ingress", arr(spec["ingress"]).map(obj));
        checkPolicyRules(where, namespace, targets, "egress", arr(spec["egress"]).map(obj));
        break;
      }
      case "StatefulSet": {
        const svc = find("Service", namespace, str(spec["serviceName"]) ?? "");
        if (!svc) errors.push(`${where}: serviceName ${str(spec["serviceName"])} is not a Service in the set`);
        else if (str(obj(svc["spec"])["clusterIP"]) !== "None") errors.push(`${where}: serviceName ${str(spec["serviceName"])} is not headless`);
        break;
      }
      case "HTTPRoute": {
        for (const ref of arr(spec["parentRefs"]).map(obj)) {
          const gwNs = str(ref["namespace"]) ?? namespace;
          const gw = find("Gateway", gwNs, str(ref["name"]) ?? "");
          if (!gw) {
            external.add(`Gateway ${gwNs}/${str(ref["name"])} (parent of ${where})`);
            continue;
          }
          checkListener(where, gw, str(ref["sectionName"]), "parentRef");
        }
        for (const rule of arr(spec["rules"]).map(obj)) {
          for (const b of arr(rule["backendRefs"]).map(obj)) {
            const svc = find("Service", str(b["namespace"]) ?? namespace, str(b["name"]) ?? "");
            if (!svc) errors.push(`${where}: backendRef ${str(b["name"])} is not a Service in the set`);
            else if (!arr(obj(svc["spec"])["ports"]).some((p) => obj(p)["port"] === b["port"])) errors.push(`${where}: backendRef port ${JSON.stringify(b["port"])} is not a port of ${describe(svc)}`);
          }
        }
        break;
      }
      case "Gateway": {
        const issuer = annotatedIssuer(o, where);
        for (const l of arr(spec["listeners"]).map(obj)) {
          for (const c of arr(obj(l["tls"])["certificateRefs"]).map(obj)) {
            checkTlsSecret(where, str(c["namespace"]) ?? namespace, str(c["name"]) ?? "", issuer, `listener ${str(l["name"])} certificateRef`);
          }
        }
        break;
      }
      case "Ingress": {
        const issuer = annotatedIssuer(o, where);
        for (const t of arr(spec["tls"]).map(obj)) checkTlsSecret(where, namespace, str(t["secretName"]) ?? "", issuer, "tls secretName");
        for (const rule of arr(spec["rules"]).map(obj)) {
          for (const p of arr(obj(rule["http"])["paths"]).map(obj)) {
            const svcRef = obj(obj(p["backend"])["service"]);
            const svc = find("Service", namespace, str(svcRef["name"]) ?? "");
            const port = obj(svcRef["port"]);
            if (!svc) errors.push(`${where}: backend service ${str(svcRef["name"])} is not in the set`);
            else if (!arr(obj(svc["spec"])["ports"]).some((x) => obj(x)["port"] === port["number"] || obj(x)["name"] === port["name"])) errors.push(`${where}: backend port ${JSON.stringify(port)} is not a port of ${describe(svc)}`);
          }
        }
        break;
      }
      case "Certificate": {
        const ref = obj(spec["issuerRef"]);
        const kind = str(ref["kind"]) ?? "Issuer";
        if (!find(kind, kind === "ClusterIssuer" ? undefined : namespace, str(ref["name"]) ?? "")) external.add(`${kind} ${str(ref["name"])} (issuer of ${where})`);
        break;
      }
      case "ClusterIssuer":
      case "Issuer": {
        const caSecret = str(obj(spec["ca"])["secretName"]);
        if (caSecret && !objects.some((c) => c.kind === "Certificate" && str(obj(c["spec"])["secretName"]) === caSecret) && !find("Secret", undefined, caSecret)) {
          errors.push(`${where}: CA secret ${caSecret} is neither a Secret nor the secretName of a Certificate in the set`);
        }
        for (const solver of arr(obj(spec["acme"])["solvers"]).map(obj)) {
          for (const ref of arr(obj(obj(solver["http01"])["gatewayHTTPRoute"])["parentRefs"]).map(obj)) {
            const gwNs = str(ref["namespace"]) ?? "default";
            const gw = find("Gateway", gwNs, str(ref["name"]) ?? "");
            if (!gw) external.add(`Gateway ${gwNs}/${str(ref["name"])} (ACME HTTP-01 of ${where})`);
            else checkListener(where, gw, str(ref["sectionName"]), "HTTP-01 parentRef");
          }
        }
        break;
      }
    }
  }

  // Pod templates: every name they mention must exist.
  for (const p of pods) {
    const where = describe(p.owner);
    const n = p.namespace;
    const sa = str(p.spec["serviceAccountName"]);
    if (sa && sa !== "default" && !find("ServiceAccount", n, sa)) errors.push(`${where}: serviceAccountName ${sa} is not in the set`);
    const volumes = arr(p.spec["volumes"]).map(obj);
    const volumeNames = new Set([...volumes.map((v) => str(v["name"]) ?? ""), ...p.claimTemplates]);
    for (const v of volumes) {
      const cm = str(obj(v["configMap"])["name"]);
      if (cm && !find("ConfigMap", n, cm)) errors.push(`${where}: volume ${str(v["name"])} names ConfigMap ${cm}, which is not in the set`);
      const sec = str(obj(v["secret"])["secretName"]);
      if (sec && !find("Secret", n, sec)) errors.push(`${where}: volume ${str(v["name"])} names Secret ${sec}, which is not in the set`);
      const pvc = str(obj(v["persistentVolumeClaim"])["claimName"]);
      if (pvc && !find("PersistentVolumeClaim", n, pvc)) errors.push(`${where}: volume ${str(v["name"])} names PVC ${pvc}, which is not in the set`);
    }
    for (const c of containersOf(p)) {
      const cname = str(c["name"]);
      for (const m of arr(c["volumeMounts"]).map(obj)) {
        if (!volumeNames.has(str(m["name"]) ?? "")) errors.push(`${where}: container ${cname} mounts volume ${str(m["name"])}, which the pod does not define`);
      }
      for (const e of arr(c["envFrom"]).map(obj)) {
        const cm = str(obj(e["configMapRef"])["name"]);
        if (cm && !find("ConfigMap", n, cm)) errors.push(`${where}: container ${cname} envFrom ConfigMap ${cm} is not in the set`);
        const sec = str(obj(e["secretRef"])["name"]);
        if (sec && !find("Secret", n, sec)) errors.push(`${where}: container ${cname} envFrom Secret ${sec} is not in the set`);
      }
      for (const e of arr(c["env"]).map(obj)) {
        const from = obj(e["valueFrom"]);
        for (const [refKey, kind] of [
          ["secretKeyRef", "Secret"],
          ["configMapKeyRef", "ConfigMap"],
        ] as const) {
          const ref = obj(from[refKey]);
          const name = str(ref["name"]);
          if (!name) continue;
          const target = find(kind, n, name);
          if (!target) {
            if (ref["optional"] !== true) errors.push(`${where}: container ${cname} env ${str(e["name"])} reads ${kind} ${name}, which is not in the set`);
          } else if (!dataKeys(target).includes(str(ref["key"]) ?? "")) {
            errors.push(`${where}: container ${cname} env ${str(e["name"])} reads key ${str(ref["key"])} that ${describe(target)} does not have`);
          }
        }
      }
      const names = arr(c["ports"]).map((x) => str(obj(x)["name"]));
      for (const probe of ["startupProbe", "livenessProbe", "readinessProbe"]) {
        const port = obj(obj(c[probe])["httpGet"])["port"];
        if (typeof port === "string" && !names.includes(port)) errors.push(`${where}: container ${cname} ${probe} uses port ${port}, which the container does not name`);
      }
    }
  }
  return { errors, external: [...external].sort() };
}
