/**
 * secret-access — single secret reads that stand out, where secret-enumeration looks for volume: a read
 * by a scripting or bare HTTP client (a stolen token used with curl), a node identity reading beyond its
 * own pods' secrets, or a workload's service account listing secrets or reading another namespace's (a
 * stolen pod token), operators allowlisted; and, as an option, every secret read (Falco's audit trail).
 * Cluster-wide lists are secret-enumeration's. Needs `kube-audit` (kube-audit-admin omits get and list).
 */
import { z } from "zod";
import { baseSettings, defineDetection, type Severity } from "../pipeline/detect/detection.js";
import { matcherFor } from "../pipeline/detect/patterns.js";
import type { AuditEvent } from "../pipeline/normalize/auditEvent.js";
import { isAllowed } from "../pipeline/normalize/auditEvent.js";
import { actorName, listForProse, maxSeverity, printable, queryParams } from "./lib/k8s.js";

const settings = baseSettings({
  windowMinutes: 60,
  // Control-plane identities that read secrets by design (as secret-enumeration).
  allowActors: [
    "system:kube-controller-manager",
    "system:kube-scheduler",
    "system:apiserver",
    "aksService",
    "hcpService",
    "system:serviceaccount:kube-system:*",
  ],
}).extend({
  /** User agents of scripting runtimes and bare HTTP clients (Elastic's lists), lower case; `*` matches any run of characters. */
  suspiciousUserAgents: z
    .array(z.string())
    .default([
      "curl/*",
      "wget*",
      "python*",
      "go-http-client*",
      "perl*",
      "libwww-perl*",
      "java*",
      "node*",
      "php*",
      "ruby*",
      "guzzle*",
      "bun*",
      "axios*",
      "undici*",
      "okhttp*",
      "apache-httpclient*",
      "httpie*",
      "postmanruntime*",
      "restsharp*",
      "*distrib#kali*",
      "*kali-amd64*",
      "*kali-arm64*",
    ]),
  /** Service accounts of operators that read secrets by design (GitOps, policy, certificates, secret sync, scanners). */
  operatorServiceAccounts: z
    .array(z.string())
    .default([
      "system:serviceaccount:flux-system:*",
      "system:serviceaccount:argocd:*",
      "system:serviceaccount:kyverno:*",
      "system:serviceaccount:gatekeeper-system:*",
      "system:serviceaccount:cert-manager:*",
      "system:serviceaccount:external-secrets:*",
      "system:serviceaccount:*:external-secrets",
      "system:serviceaccount:*:sealed-secrets-controller",
      "system:serviceaccount:*:trivy-operator",
      "system:serviceaccount:cattle-*:*",
      "system:serviceaccount:cluster-fleet-*:*",
      "system:serviceaccount:harvester-system:*",
      "system:serviceaccount:rabbitmq-system:*",
      "system:serviceaccount:ibm-csi:*",
    ]),
  /** A workload's service account reading one named secret of its own namespace (what apps that read their config do), at Low. */
  reportOwnNamespaceReads: z.boolean().default(false),
  /** Kubelets read the secrets of their own pods, one by one, through the node authorizer. */
  allowNodeSingleSecretReads: z.boolean().default(true),
  /** Every secret get and list, allowed or refused, at Informational (Falco's "K8s Secret Get Successfully / Unsuccessfully Tried"). */
  reportEveryRead: z.boolean().default(false),
  /** Secret names whose reads are routine (same pattern syntax as allowActors). */
  ignoreSecretNames: z.array(z.string()).default(["tunnelfront", "tunnelend", "kubernetes-dashboard-key-holder", "sh.helm.release.v1.*"]),
});

type Settings = z.infer<typeof settings>;

type Variant = "scriptingClient" | "nodeRead" | "crossNamespace" | "serviceAccountList" | "ownNamespace" | "everyRead";
const SEVERITY: Readonly<Record<Variant, Severity>> = {
  scriptingClient: "Medium",
  nodeRead: "Medium",
  crossNamespace: "Medium",
  serviceAccountList: "Low",
  ownNamespace: "Low",
  everyRead: "Informational",
};
const PROSE: Readonly<Record<Variant, string>> = {
  scriptingClient: "scripting or HTTP client",
  nodeRead: "node identity beyond its pods' own secrets",
  crossNamespace: "service account outside its namespace",
  serviceAccountList: "service account listing secrets",
  ownNamespace: "service account in its own namespace",
  everyRead: "",
};

export const secretAccess = defineDetection<Settings>({
  id: "secret-access",
  title: "Secret read that stands out",
  description:
    "A secret was read by a scripting or bare HTTP client, by a node identity beyond its own pods' secrets, or by a workload's service account listing secrets or reading another namespace's: how a stolen token or kubeconfig is used. Operators that read secrets by design are allowlisted. Optionally every secret read, allowed or refused.",
  mitre: { tactics: ["CredentialAccess"], techniques: ["T1552.007"] },
  status: "experimental",
  severityLogic:
    "Medium for a read with a `suspiciousUserAgents` client, a node reading beyond single secrets, or a service account outside `operatorServiceAccounts` reading another namespace's secrets; Low for such a service account listing its own namespace's secrets (or, with `reportOwnNamespaceReads`, reading one); Informational for any other read when `reportEveryRead` is on; the highest wins.",
  runbook: [
    "Check Evidence.reads and UserAgents: which secrets, by which client. A service account's token used with curl or from outside its pod is a stolen token.",
    "If the read was not expected, rotate the secrets read and the actor's credentials (`kubectl delete pod` re-issues a pod's bound token; rotate a node's credentials by reimaging it).",
    "If an operator reads secrets by design, add its service account to operatorServiceAccounts (to allowActors if it also uses a generic client such as Go-http-client).",
  ],
  catalogueRows: [19, 20, 21],
  settings,
  select: { resources: ["secrets"], verbs: ["get", "list", "watch"] },

  fold(event, s) {
    const ref = event.objectRef;
    if (!ref || (ref.namespace === "" && ref.name === "")) return undefined; // cluster-wide: secret-enumeration's
    if (ref.name && matcherFor(s.ignoreSecretNames)(ref.name)) return undefined;
    const allowed = isAllowed(event);
    const variants: Variant[] = allowed ? variantsOf(event, s) : [];
    if (s.reportEveryRead && event.verb !== "watch") variants.push("everyRead");
    if (variants.length === 0) return undefined;
    const read = `${event.verb} ${ref.namespace}/${ref.name || "*"}${allowed ? "" : ` (refused, ${event.responseCode ?? "forbid"})`}`;
    return {
      key: [event.user.username],
      items: { variant: variants, secret: `${ref.namespace}/${ref.name || "*"}` },
      evidence: { read: printable(read, 300) },
    };
  },

  evaluate(state) {
    const variants = state.itemsOf("variant") as Variant[];
    if (variants.length === 0) return undefined;
    const severity = variants.map((v) => SEVERITY[v]).reduce(maxSeverity);
    const actor = actorName(state.actor);
    const secrets = state.itemsOf("secret");
    const how = variants.map((v) => PROSE[v]).filter((p) => p !== "");
    const agents = state.contextOf("userAgents", 3).map((a) => printable(a, 80));
    const read = `read ${listForProse(secrets.map((x) => (x.endsWith("/*") ? `all secrets of ${x.slice(0, -2)}` : `secret ${x}`)).map((x) => printable(x, 120)))}`;
    return {
      severity,
      title: `${actor} ${read}${how.length ? `: ${how.join(", ")}` : ""}`,
      description:
        `${actor} ${read} (${state.eventCount} request(s)${agents.length ? `, user agent ${agents.join(", ")}` : ""})` +
        (how.length ? `: ${how.join("; ")}.` : ".") +
        " Secrets hold service-account tokens, registry credentials and application passwords; rotate any this identity should not have read.",
      evidence: { variants, secrets: state.itemsOf("secret", 50), reads: state.evidenceOf("read", 20) },
      qualifyingEvents: 1,
    };
  },
});

function variantsOf(event: AuditEvent, s: Settings): Variant[] {
  const ref = event.objectRef;
  if (!ref) return [];
  const out: Variant[] = [];
  if (event.userAgent && matcherFor(s.suspiciousUserAgents)(event.userAgent.toLowerCase())) out.push("scriptingClient");
  const single = ref.name !== "" || queryParams(event.requestUri, "fieldSelector").some((f) => f.startsWith("metadata.name="));
  if (event.actorType === "node" && !(single && s.allowNodeSingleSecretReads)) out.push("nodeRead");
  if (event.actorType === "serviceaccount" && !matcherFor(s.operatorServiceAccounts)(event.user.username)) {
    const own = event.user.username.split(":")[2] === ref.namespace;
    if (!own) out.push("crossNamespace");
    else if (!single) out.push("serviceAccountList");
    else if (s.reportOwnNamespaceReads) out.push("ownNamespace");
  }
  return out;
}
