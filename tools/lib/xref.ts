/**
 * Cross-reference checks over the rendered set: selectors, ports, names and keys must point at something. Pod
 * templates of every pod-bearing kind (pods.ts) are checked alike; RBAC bindings must reach their roles and
 * subjects; prometheus-operator monitors must select Services or pods of the set, on ports they have.
 */
import { type Json, type JsonObject, type K8sObject, arr, describe, obj, str } from "./objects";
import { POD_KINDS, type Selector, controllerSpec, describeSelector, isEmptySelector, labelsOf, podTemplate, selects } from "./pods";

export interface XrefResult {
  readonly errors: string[];
  /** Things the objects refer to that the cluster or the user must provide. */
  readonly external: string[];
}

/** Roles and ClusterRoles every cluster has; a binding to one of them lists it as provided outside. */
const BUILT_IN_CLUSTER_ROLES = new Set(["cluster-admin", "admin", "edit", "view"]);
const BUILT_IN_ROLES = new Set(["extension-apiserver-authentication-reader"]);
const isBuiltInRole = (kind: string, name: string) => name.startsWith("system:") || (kind === "ClusterRole" ? BUILT_IN_CLUSTER_ROLES : BUILT_IN_ROLES).has(name);

/** A map selector (a Service's spec.selector) as a LabelSelector. */
const mapSelector = (labels: Record<string, string>): Selector => ({ matchLabels: labels });

interface PodTemplate {
  readonly owner: K8sObject;
  readonly namespace: string;
  readonly labels: Record<string, string>;
  readonly spec: JsonObject;
  readonly claimTemplates: string[];
}

export function crossReference(objects: readonly K8sObject[]): XrefResult {
  const errors: string[] = [];
  const external = new Set<string>();
  const ns = (o: K8sObject) => o.metadata.namespace ?? "default";
  const find = (kind: string, namespace: string | undefined, name: string) =>
    objects.find((o) => o.kind === kind && o.metadata.name === name && (namespace === undefined || ns(o) === namespace));

  const pods: PodTemplate[] = objects
    .filter((o) => POD_KINDS.has(o.kind))
    .map((o) => {
      const template = podTemplate(o) ?? { metadata: {}, spec: {} };
      return {
        owner: o,
        namespace: ns(o),
        labels: labelsOf(template.metadata["labels"]),
        spec: template.spec,
        claimTemplates: arr(obj(o["spec"])["volumeClaimTemplates"]).map((c) => str(obj(obj(c)["metadata"])["name"]) ?? ""),
      };
    });
  const podsIn = (namespace: string, selector: Selector) => pods.filter((p) => p.namespace === namespace && selects(selector, p.labels));
  const containersOf = (p: PodTemplate) => [...arr(p.spec["initContainers"]), ...arr(p.spec["containers"])].map(obj);
  const portNames = (p: PodTemplate) => containersOf(p).flatMap((c) => arr(c["ports"]).map((x) => str(obj(x)["name"])));
  const portNumbers = (p: PodTemplate) => containersOf(p).flatMap((c) => arr(c["ports"]).map((x) => obj(x)["containerPort"]));
  const dataKeys = (o: K8sObject) => [...Object.keys(obj(o["data"])), ...Object.keys(obj(o["stringData"])), ...Object.keys(obj(o["binaryData"]))];

  // Namespaces whose pods the set defines: a peer there must match one of them.
  const workloadNamespaces = new Set([...pods.map((p) => p.namespace), ...objects.filter((o) => o.kind === "Gateway").map(ns)]);
  // Namespaces the set creates or puts objects in: a ServiceAccount or Service there must be in the set.
  const setNamespaces = new Set([
    ...objects.filter((o) => o.kind === "Namespace").map((o) => o.metadata.name),
    ...objects.map((o) => o.metadata.namespace).filter((n): n is string => n !== undefined),
  ]);
  // Proxy pods a Gateway implementation will run, labelled as the Gateway's spec.infrastructure.labels ask.
  const gatewayProxiesIn = (namespace: string, selector: Selector) =>
    objects.filter((o) => o.kind === "Gateway" && ns(o) === namespace && selects(selector, labelsOf(obj(obj(o["spec"])["infrastructure"])["labels"])));
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
        const podSelector = obj(peer["podSelector"]);
        const nsSelector = peer["namespaceSelector"] === undefined ? undefined : obj(peer["namespaceSelector"]);
        const nsLabels = labelsOf(nsSelector?.["matchLabels"]);
        const nsNames = nsSelector && arr(nsSelector["matchExpressions"]).length === 0 && Object.keys(nsLabels).length === 1 ? nsLabels["kubernetes.io/metadata.name"] : undefined;
        const peerNamespace = nsSelector === undefined ? namespace : nsNames;
        const podsText = !isEmptySelector(podSelector) ? `pods labelled ${describeSelector(podSelector)}` : "every pod";
        if (peerNamespace === undefined || !workloadNamespaces.has(peerNamespace)) {
          const inText =
            peerNamespace !== undefined ? `in namespace ${peerNamespace}` : isEmptySelector(nsSelector ?? {}) ? "in any namespace" : `in namespaces labelled ${describeSelector(nsSelector ?? {})}`;
          external.add(`${podsText} ${inText} (${direction} peer of ${where})`);
          continue;
        }
        if (isEmptySelector(podSelector)) continue;
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

  /** A controller's selector must select its own pod template (the API server rejects it otherwise). */
  function checkOwnSelector(o: K8sObject): void {
    const spec = controllerSpec(o);
    const template = podTemplate(o);
    // A Job's selector is generated unless manualSelector is set.
    if (!spec || !template || ((o.kind === "Job" || o.kind === "CronJob") && spec["manualSelector"] !== true)) return;
    const sel = obj(spec["selector"]);
    const labels = labelsOf(template.metadata["labels"]);
    const field = o.kind === "CronJob" ? "spec.jobTemplate.spec.selector" : "spec.selector";
    if (isEmptySelector(sel)) errors.push(`${describe(o)}: ${field} is empty; it must select the pod template's labels ${JSON.stringify(labels)}`);
    else if (!selects(sel, labels)) errors.push(`${describe(o)}: ${field} ${describeSelector(sel)} does not match the pod template's labels ${JSON.stringify(labels)}`);
  }

  /** RoleBinding/ClusterRoleBinding: the role is in the set (or built in), every ServiceAccount subject exists. */
  function checkBinding(o: K8sObject): void {
    const where = describe(o);
    const clusterWide = o.kind === "ClusterRoleBinding";
    const ref = obj(o["roleRef"]);
    const kind = str(ref["kind"]) ?? "";
    const name = str(ref["name"]) ?? "";
    if (kind === "Role" && clusterWide) {
      errors.push(`${where}: roleRef Role ${name}: a ClusterRoleBinding can only refer to a ClusterRole`);
    } else if (kind === "Role" || kind === "ClusterRole") {
      const roleNamespace = kind === "Role" ? ns(o) : undefined;
      const qualified = roleNamespace ? `${roleNamespace}/${name}` : name;
      if (!find(kind, roleNamespace, name)) {
        if (isBuiltInRole(kind, name)) external.add(`${kind} ${qualified}, built in (roleRef of ${where})`);
        else errors.push(`${where}: roleRef ${kind} ${qualified} is not in the set and is not a built-in ${kind} (${kind === "ClusterRole" ? "cluster-admin, admin, edit, view, " : ""}system:*)`);
      }
    } else {
      errors.push(`${where}: roleRef kind ${JSON.stringify(kind)} must be Role or ClusterRole`);
    }
    arr(o["subjects"])
      .map(obj)
      .forEach((subject, index) => {
        const skind = str(subject["kind"]) ?? "";
        const sname = str(subject["name"]) ?? "";
        if (skind !== "ServiceAccount") {
          external.add(`${skind} ${sname} (subject of ${where})`);
          return;
        }
        const saNamespace = str(subject["namespace"]) ?? (clusterWide ? undefined : ns(o));
        if (saNamespace === undefined) errors.push(`${where}: subjects[${index}] ServiceAccount ${sname} has no namespace (a ClusterRoleBinding's ServiceAccount subjects need one)`);
        else if (sname === "default" || find("ServiceAccount", saNamespace, sname)) return;
        else if (setNamespaces.has(saNamespace)) errors.push(`${where}: subjects[${index}] ServiceAccount ${saNamespace}/${sname} is not in the set`);
        else external.add(`ServiceAccount ${saNamespace}/${sname} (subject of ${where})`);
      });
  }

  /**
   * ServiceMonitor: its selector picks Services of the set (in its own namespace unless namespaceSelector says
   * otherwise) and every endpoint's port is a port name of at least one of them. PodMonitor: the same over pod
   * templates, with podMetricsEndpoints' ports among their container ports.
   */
  function checkMonitor(o: K8sObject): void {
    const where = describe(o);
    const spec = obj(o["spec"]);
    const sel = obj(spec["selector"]);
    const nsSel = obj(spec["namespaceSelector"]);
    const names = arr(nsSel["matchNames"]).map((n) => str(n) ?? "");
    const inNamespace = (n: string) => nsSel["any"] === true || (names.length > 0 ? names.includes(n) : n === ns(o));
    const nsText = nsSel["any"] === true ? "any namespace" : names.length > 0 ? `namespaces ${names.join(", ")}` : `namespace ${ns(o)}`;
    const outside = nsSel["any"] !== true && (names.length > 0 ? names : [ns(o)]).every((n) => !setNamespaces.has(n));
    if (!objects.some((p) => p.kind === "Prometheus")) external.add(`a Prometheus (prometheus-operator) whose ${o.kind === "ServiceMonitor" ? "serviceMonitorSelector" : "podMonitorSelector"} selects ${where}`);
    const what = o.kind === "ServiceMonitor" ? "Service" : "pod template";
    const targets: { owner: K8sObject; hasPort: (port: Json | undefined) => boolean; pods: PodTemplate[] }[] =
      o.kind === "ServiceMonitor"
        ? objects
            .filter((x) => x.kind === "Service" && inNamespace(ns(x)) && selects(sel, labelsOf(x.metadata["labels"])))
            .map((svc) => ({
              owner: svc,
              hasPort: (port) => arr(obj(svc["spec"])["ports"]).some((p) => obj(p)["name"] === port),
              pods: podsIn(ns(svc), mapSelector(labelsOf(obj(svc["spec"])["selector"]))),
            }))
        : pods.filter((p) => inNamespace(p.namespace) && selects(sel, p.labels)).map((p) => ({ owner: p.owner, hasPort: (port) => hasPort(p, port), pods: [p] }));
    if (targets.length === 0) {
      if (outside) external.add(`${what}s labelled ${describeSelector(sel)} in ${nsText} (selected by ${where})`);
      else errors.push(`${where}: selector ${describeSelector(sel)} matches no ${what} in ${nsText}`);
      return;
    }
    const field = o.kind === "ServiceMonitor" ? "endpoints" : "podMetricsEndpoints";
    arr(spec[field])
      .map(obj)
      .forEach((ep, index) => {
        for (const key of o.kind === "ServiceMonitor" ? ["port"] : ["port", "portNumber"]) {
          const port = ep[key];
          if (port === undefined) continue;
          // As the operator does: a target without the port is not scraped by that endpoint; one that no target has scrapes nothing.
          if (!targets.some((x) => x.hasPort(port))) {
            const owners = targets.map((t) => describe(t.owner)).join(", ");
            errors.push(`${where}: ${field}[${index}].${key} ${JSON.stringify(port)} is not a ${o.kind === "ServiceMonitor" ? "port name" : "container port"} of any selected ${what} (${owners})`);
          }
        }
        const targetPort = ep["targetPort"];
        if (targetPort === undefined) return;
        for (const t of targets.filter((x) => !x.pods.every((p) => hasPort(p, targetPort)))) {
          errors.push(`${where}: ${field}[${index}].targetPort ${JSON.stringify(targetPort)} is not a container port of every pod ${o.kind === "ServiceMonitor" ? "behind " : "of "}${describe(t.owner)}`);
        }
      });
  }

  for (const o of objects) {
    const where = describe(o);
    const spec = obj(o["spec"]);
    const namespace = ns(o);
    checkOwnSelector(o);
    switch (o.kind) {
      case "Service": {
        if (str(spec["type"]) === "ExternalName") break;
        const selector = labelsOf(spec["selector"]);
        if (Object.keys(selector).length === 0) {
          errors.push(`${where}: has no selector`);
          break;
        }
        const selected = podsIn(namespace, mapSelector(selector));
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
        const sel = obj(spec["selector"]);
        if (podsIn(namespace, sel).length === 0 && gatewayProxiesIn(namespace, sel).length === 0) {
          errors.push(`${where}: selector ${describeSelector(sel)} matches no pod template and no Gateway's infrastructure labels`);
        }
        break;
      }
      case "NetworkPolicy": {
        const sel = obj(spec["podSelector"]);
        const targets = podsIn(namespace, sel);
        if (targets.length === 0) {
          errors.push(`${where}: podSelector ${describeSelector(sel)} matches no pod template`);
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
      case "RoleBinding":
      case "ClusterRoleBinding":
        checkBinding(o);
        break;
      case "ServiceMonitor":
      case "PodMonitor":
        checkMonitor(o);
        break;
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
    for (const field of ["serviceAccountName", "serviceAccount"]) {
      const sa = str(p.spec[field]);
      if (sa && sa !== "default" && !find("ServiceAccount", n, sa)) errors.push(`${where}: ${field} ${sa} is not in the set`);
    }
    for (const ref of arr(p.spec["imagePullSecrets"]).map(obj)) {
      const name = str(ref["name"]);
      if (name && !find("Secret", n, name)) errors.push(`${where}: imagePullSecrets ${name} is not a Secret in the set`);
    }
    const volumes = arr(p.spec["volumes"]).map(obj);
    const volumeNames = new Set([...volumes.map((v) => str(v["name"]) ?? ""), ...p.claimTemplates]);
    /** A ConfigMap or Secret a volume (or one of its projected sources) names: in the set, with every item's key. */
    const checkVolumeSource = (volume: string | undefined, kind: "ConfigMap" | "Secret", source: JsonObject, nameField: string) => {
      const name = str(source[nameField]);
      if (!name || source["optional"] === true) return;
      const target = find(kind, n, name);
      if (!target) errors.push(`${where}: volume ${volume} names ${kind} ${name}, which is not in the set`);
      else {
        for (const key of arr(source["items"]).map((i) => str(obj(i)["key"]) ?? "")) {
          if (!dataKeys(target).includes(key)) errors.push(`${where}: volume ${volume} item key ${key} is not a key of ${describe(target)}`);
        }
      }
    };
    for (const v of volumes) {
      const vname = str(v["name"]);
      checkVolumeSource(vname, "ConfigMap", obj(v["configMap"]), "name");
      checkVolumeSource(vname, "Secret", obj(v["secret"]), "secretName");
      for (const source of arr(obj(v["projected"])["sources"]).map(obj)) {
        checkVolumeSource(vname, "ConfigMap", obj(source["configMap"]), "name");
        checkVolumeSource(vname, "Secret", obj(source["secret"]), "name");
      }
      const pvc = str(obj(v["persistentVolumeClaim"])["claimName"]);
      if (pvc && !find("PersistentVolumeClaim", n, pvc)) errors.push(`${where}: volume ${vname} names PVC ${pvc}, which is not in the set`);
    }
    for (const c of containersOf(p)) {
      const cname = str(c["name"]);
      for (const m of arr(c["volumeMounts"]).map(obj)) {
        if (!volumeNames.has(str(m["name"]) ?? "")) errors.push(`${where}: container ${cname} mounts volume ${str(m["name"])}, which the pod does not define`);
      }
      for (const e of arr(c["envFrom"]).map(obj)) {
        const cm = obj(e["configMapRef"]);
        if (str(cm["name"]) && cm["optional"] !== true && !find("ConfigMap", n, str(cm["name"]) ?? "")) errors.push(`${where}: container ${cname} envFrom ConfigMap ${str(cm["name"])} is not in the set`);
        const sec = obj(e["secretRef"]);
        if (str(sec["name"]) && sec["optional"] !== true && !find("Secret", n, str(sec["name"]) ?? "")) errors.push(`${where}: container ${cname} envFrom Secret ${str(sec["name"])} is not in the set`);
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
        for (const handler of ["httpGet", "tcpSocket"]) {
          const port = obj(obj(c[probe])[handler])["port"];
          if (typeof port === "string" && !names.includes(port)) errors.push(`${where}: container ${cname} ${probe} uses port ${port}, which the container does not name`);
        }
      }
    }
  }
  return { errors, external: [...external].sort() };
}
