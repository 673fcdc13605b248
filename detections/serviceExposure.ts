/**
 * service-exposure — workloads opened to the outside: a Service of type NodePort, a public LoadBalancer
 * Service in front of a sensitive application (dashboards, Kubeflow, databases, etcd, Docker and kubelet
 * APIs) reachable from anywhere, and an Ingress created or replaced without TLS. Internal load balancers
 * (the AKS annotation) and source ranges that exclude the internet are not exposure.
 */
import { z } from "zod";
import { baseSettings, defineDetection, type Severity } from "../pipeline/detect/detection.js";
import { matcherFor } from "../pipeline/detect/patterns.js";
import type { AuditEvent } from "../pipeline/normalize/auditEvent.js";
import { isAllowed } from "../pipeline/normalize/auditEvent.js";
import { actorName, asArray, asString, field, listForProse, printable, objectNameOf } from "./lib/k8s.js";
import { AKS_IDENTITIES, allMitre, isDryRun, narrowMitre, changesProse, type VariantMitre } from "./lib/workload.js";

const settings = baseSettings({ windowMinutes: 60, allowActors: [...AKS_IDENTITIES] }).extend({
  /** Services of type NodePort created or changed (Falco, Elastic, Panther). */
  nodePort: z.boolean().default(true),
  /** Public LoadBalancer (or NodePort) Services exposing a sensitive application (Defender's Exposed* alerts). */
  sensitiveLoadBalancer: z.boolean().default(true),
  /** Ingresses created or replaced without `spec.tls`. */
  ingressWithoutTls: z.boolean().default(true),
  /** Ports (port or targetPort) of sensitive applications, with what usually listens there. */
  sensitivePorts: z.record(z.string(), z.string()).default({
    "2375": "Docker API",
    "2376": "Docker API",
    "2379": "etcd",
    "2380": "etcd",
    "10250": "kubelet API",
    "10255": "kubelet read-only API",
    "6443": "Kubernetes API",
    "6379": "Redis",
    "5432": "PostgreSQL",
    "3306": "MySQL",
    "27017": "MongoDB",
    "9200": "Elasticsearch",
    "5601": "Kibana",
    "8888": "Jupyter",
    "11211": "Memcached",
    "5984": "CouchDB",
  }),
  /** Names of sensitive applications, matched against the Service's name, its selector's values and its port names. */
  sensitiveNames: z
    .array(z.string().min(1))
    .default([
      "*kubernetes-dashboard*",
      "*kubeflow*",
      "*ml-pipeline*",
      "*jupyter*",
      "*argocd-server*",
      "*redis*",
      "*postgres*",
      "*mongo*",
      "*etcd*",
      "*elasticsearch*",
      "*kibana*",
    ]),
  /** Annotations that make a LoadBalancer internal (value "true"). */
  internalAnnotations: z.array(z.string().min(1)).default(["service.beta.kubernetes.io/azure-load-balancer-internal"]),
  /** Annotations that put TLS on an Ingress outside `spec.tls` (Application Gateway Ingress Controller's certificate). */
  tlsAnnotations: z.array(z.string().min(1)).default(["appgw.ingress.kubernetes.io/appgw-ssl-certificate"]),
});

type Settings = z.infer<typeof settings>;
type Variant = "nodePort" | "sensitiveLoadBalancer" | "ingressWithoutTls";

const MITRE: Readonly<Record<Variant, VariantMitre>> = {
  nodePort: { tactics: ["InitialAccess", "Persistence"], techniques: ["T1133"] },
  sensitiveLoadBalancer: { tactics: ["InitialAccess"], techniques: ["T1133", "T1190"] },
  ingressWithoutTls: { tactics: ["CredentialAccess"], techniques: ["T1040"] },
};
const SEVERITY: Readonly<Record<Variant, Severity>> = { sensitiveLoadBalancer: "High", nodePort: "Medium", ingressWithoutTls: "Low" };
const OPEN_RANGES = new Set(["0.0.0.0/0", "::/0", "*", "Internet"]);

export const serviceExposure = defineDetection<Settings>({
  id: "service-exposure",
  title: "Service or Ingress exposed",
  description:
    "A Service was opened on every node's port (NodePort), a public load balancer was put in front of a sensitive application (a dashboard, Kubeflow, a database, etcd, the Docker or kubelet API) reachable from anywhere, or an Ingress was published without TLS.",
  mitre: allMitre(MITRE),
  status: "experimental",
  severityLogic:
    "High for a public LoadBalancer or NodePort Service exposing a sensitive application without source ranges; Medium for any other NodePort Service; Low for an Ingress without TLS.",
  runbook: [
    "Read Evidence.exposures: which ports and applications are reachable, and from where.",
    'If the exposure is not intended, delete or restrict it: `kubectl -n <namespace> patch svc <name> -p \'{"spec":{"type":"ClusterIP"}}\'`, or set `loadBalancerSourceRanges`.',
    "For an exposed database or dashboard, check its logs for logins from the internet since the incident's FirstSeen.",
  ],
  catalogueRows: [62, 63],
  settings,
  select: [
    { resources: ["services"], verbs: ["create", "update", "patch"] },
    { resources: ["ingresses"], verbs: ["create", "update"] },
  ],

  fold(event, s) {
    const ref = event.objectRef;
    if (!ref || !isAllowed(event) || isDryRun(event)) return undefined;
    const found = ref.resource === "ingresses" ? ingressFindings(event, s) : serviceFindings(event, s);
    if (found.length === 0) return undefined;
    return {
      key: [event.user.username, `${ref.resource}/${ref.namespace}/${objectNameOf(event)}`],
      items: { variant: found.map((f) => f.variant), change: event.verb },
      evidence: { exposure: found.map((f) => printable(f.text)) },
    };
  },

  evaluate(state) {
    const [, target = ""] = state.key;
    const [resource = "", namespace = "", name = ""] = target.split("/");
    const variants = state.itemsOf("variant") as Variant[];
    const exposures = state.evidenceOf("exposure");
    let severity: Severity = "Low";
    for (const variant of ["ingressWithoutTls", "nodePort", "sensitiveLoadBalancer"] as const) if (variants.includes(variant)) severity = SEVERITY[variant];
    const actor = actorName(state.actor);
    const verbs = changesProse(state.itemsOf("change"));
    const object = `${resource === "ingresses" ? "Ingress" : "Service"} ${printable(namespace)}/${printable(name)}`;
    return {
      severity,
      mitre: narrowMitre(MITRE, variants),
      title: `${actor} ${verbs} ${object}: ${listForProse(exposures, 2)}`,
      description:
        `${actor} ${verbs} ${object}: ${listForProse(exposures, 6)}.` +
        (variants.includes("sensitiveLoadBalancer") ? " Databases, dashboards and node APIs on the internet are found by scanners within hours." : "") +
        (variants.includes("nodePort") ? " A NodePort is open on every node, past any ingress controller." : "") +
        (variants.includes("ingressWithoutTls") ? " Without TLS, credentials and session cookies cross the network in clear text." : ""),
      evidence: { variants, exposures, object: target },
      qualifyingEvents: 1,
    };
  },
});

interface Exposure {
  readonly variant: Variant;
  readonly text: string;
}

function serviceFindings(event: AuditEvent, s: Settings): Exposure[] {
  // A patch shows what it changes; create and update carry the whole Service.
  const body = event.requestObject;
  const type = asString(field(body, "spec", "type"));
  if (type !== "NodePort" && type !== "LoadBalancer") return [];
  const out: Exposure[] = [];
  const ports = asArray(field(body, "spec", "ports"));
  if (type === "NodePort" && s.nodePort) {
    const nodePorts = ports.map((p) => field(p, "nodePort")).filter((p) => typeof p === "number");
    out.push({ variant: "nodePort", text: `type NodePort${nodePorts.length ? ` on node port ${nodePorts.join(", ")}` : ""}` });
  }
  if (!s.sensitiveLoadBalancer) return out;
  const annotations = field(body, "metadata", "annotations");
  if (type === "LoadBalancer" && s.internalAnnotations.some((a) => asString(field(annotations, a)).toLowerCase() === "true")) return out;
  const ranges = [
    ...asArray(field(body, "spec", "loadBalancerSourceRanges")).map(asString),
    ...asString(field(annotations, "service.beta.kubernetes.io/azure-allowed-ip-ranges"))
      .split(",")
      .map((r) => r.trim())
      .filter((r) => r !== ""),
  ];
  if (ranges.length > 0 && !ranges.some((r) => OPEN_RANGES.has(r))) return out;
  const apps = sensitiveApps(body, ports, s);
  if (apps.length)
    out.push({
      variant: "sensitiveLoadBalancer",
      text: `${type} reachable from ${ranges.length ? "0.0.0.0/0" : "anywhere"} exposing ${listForProse(apps, 4)}`,
    });
  return out;
}

function sensitiveApps(body: unknown, ports: readonly unknown[], s: Settings): string[] {
  const apps = new Set<string>();
  for (const port of ports) {
    for (const value of [field(port, "port"), field(port, "targetPort")]) {
      const app = s.sensitivePorts[String(value)];
      if (app && (typeof value === "number" || typeof value === "string")) apps.add(`${app} (port ${value})`);
    }
  }
  const names = matcherFor(s.sensitiveNames);
  const selector = field(body, "spec", "selector");
  const candidates = [
    asString(field(body, "metadata", "name")),
    ...(selector && typeof selector === "object" ? Object.values(selector).map(asString) : []),
    ...ports.map((p) => asString(field(p, "name"))),
  ];
  for (const candidate of candidates) if (candidate && names(candidate.toLowerCase())) apps.add(candidate);
  return [...apps];
}

function ingressFindings(event: AuditEvent, s: Settings): Exposure[] {
  const body = event.requestObject;
  if (!s.ingressWithoutTls || field(body, "spec") === undefined) return [];
  if (asArray(field(body, "spec", "tls")).length > 0) return [];
  const annotations = field(body, "metadata", "annotations");
  if (s.tlsAnnotations.some((a) => asString(field(annotations, a)) !== "")) return [];
  const hosts = asArray(field(body, "spec", "rules"))
    .map((rule) => asString(field(rule, "host")))
    .filter((host) => host !== "");
  return [{ variant: "ingressWithoutTls", text: `no TLS${hosts.length ? ` for ${listForProse(hosts, 3)}` : ""}` }];
}
