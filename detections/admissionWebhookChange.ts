/**
 * admission-webhook-change — MutatingWebhookConfigurations and ValidatingWebhookConfigurations created,
 * changed or deleted outside the known policy and mesh add-ons. A mutating webhook sees and can rewrite
 * every pod the cluster creates (inject a container, a hostPath, an env var); a validating one sees every
 * object it matches, secrets included; deleting one switches off whatever policy it enforced.
 */
import { z } from "zod";
import { baseSettings, defineDetection, type MitreMapping, type Severity } from "../pipeline/detect/detection.js";
import { matcherFor } from "../pipeline/detect/patterns.js";
import { isAllowed } from "../pipeline/normalize/auditEvent.js";
import { actorName, asArray, asString, field, listForProse, maxSeverity, pastTense, printable } from "./lib/k8s.js";
import { AKS_PLATFORM_IDENTITIES } from "./lib/identity.js";

const settings = baseSettings({
  windowMinutes: 60,
  // AKS's own identities and kube-system add-ons; the operators that rotate webhooks' CA bundles all day.
  allowActors: [
    ...AKS_PLATFORM_IDENTITIES,
    "system:apiserver",
    "system:kube-controller-manager",
    "system:serviceaccount:kube-system:*",
    "system:serviceaccount:cert-manager:cert-manager-cainjector",
    "system:serviceaccount:gatekeeper-system:*",
    "system:serviceaccount:kyverno:*",
  ],
}).extend({
  /** Webhook configurations that policy, mesh and AKS add-ons own (`*` patterns). */
  knownWebhooks: z
    .array(z.string())
    .default([
      "aks-webhook-admission-controller",
      "aks-node-mutating-webhook",
      "aks-node-validating-webhook",
      "azure-policy-*",
      "azure-wi-webhook-*",
      "gatekeeper-*",
      "kyverno-*",
      "cert-manager-webhook",
      "istio-*",
      "istiod-*",
      "aks-istio-*",
      "linkerd-*",
      "keda-admission*",
      "ama-metrics-*",
      "ama-logs-*",
    ]),
});

type Settings = z.infer<typeof settings>;

const KINDS: Readonly<Record<string, string>> = {
  mutatingwebhookconfigurations: "MutatingWebhookConfiguration",
  validatingwebhookconfigurations: "ValidatingWebhookConfiguration",
};
const DELETES = new Set(["delete", "deletecollection"]);

export const admissionWebhookChange = defineDetection<Settings>({
  id: "admission-webhook-change",
  title: "Admission webhook created, changed or deleted",
  description:
    "A mutating or validating admission webhook configuration was created, changed or deleted by someone other than the known add-ons. A malicious mutating webhook injects code into every new pod; a validating webhook receives the objects it matches (secrets included); deleting one disables the policy it enforced.",
  mitre: { tactics: ["Persistence", "DefenseEvasion"], techniques: ["T1546", "T1562"] },
  status: "experimental",
  severityLogic:
    "High for a mutating webhook created or changed, or a validating webhook that receives secrets, matches every resource (`*`) or calls a URL instead of a cluster service; Medium for other validating webhooks and for any deletion (policy disabled).",
  runbook: [
    "Read Evidence.endpoints and Evidence.rules: where the API server sends objects, and which ones.",
    "Inspect it: `kubectl get mutatingwebhookconfiguration <name> -o yaml` (or validatingwebhookconfiguration); a URL outside the cluster or a service in an unexpected namespace is a red flag.",
    "If it is not yours, delete it and check the pods created since (mutations are permanent) and the secrets it could have seen.",
  ],
  catalogueRows: [60],
  settings,
  select: {
    resources: ["mutatingwebhookconfigurations", "validatingwebhookconfigurations"],
    verbs: ["create", "update", "patch", "delete", "deletecollection"],
  },

  fold(event, s) {
    const ref = event.objectRef;
    if (!ref || !isAllowed(event)) return undefined;
    if (ref.name && matcherFor(s.knownWebhooks)(ref.name)) return undefined;
    const body = field(event.responseObject, "webhooks") !== undefined ? event.responseObject : event.requestObject;
    const webhooks = asArray(field(body, "webhooks"));
    const endpoints = webhooks.map(endpointOf).filter((e) => e !== "");
    const resources = webhooks.flatMap((w) => asArray(field(w, "rules")).flatMap((r) => asArray(field(r, "resources")).map(asString)));
    const external = endpoints.some((e) => e.startsWith("url "));
    const broad = resources.includes("*") || resources.includes("*/*");
    const secrets = resources.some((r) => r === "secrets" || r.startsWith("secrets/"));
    const mutating = ref.resource === "mutatingwebhookconfigurations";
    const deleted = DELETES.has(event.verb);
    return {
      key: [event.user.username, `${ref.resource}//${ref.name}`],
      items: {
        change: event.verb,
        high: !deleted && (mutating || external || broad || secrets) ? event.auditId : undefined,
        write: deleted ? undefined : event.auditId,
        deleted: deleted ? event.auditId : undefined,
      },
      evidence: {
        endpoint: endpoints.map((e) => printable(e, 300)),
        rule: [...new Set(resources)].map((r) => printable(r, 100)),
        concern: [external ? "calls a URL instead of a cluster service" : "", broad ? "matches every resource" : "", secrets ? "receives secrets" : ""].filter(
          Boolean,
        ),
      },
    };
  },

  evaluate(state) {
    const [, target = ""] = state.key;
    const [resource = "", , name = ""] = target.split("/");
    const kind = KINDS[resource] ?? resource;
    const writes = state.count("write") > 0;
    const deletes = state.count("deleted") > 0;
    let severity: Severity = "Medium";
    if (state.count("high") > 0) severity = maxSeverity(severity, "High");
    const techniques = [...(writes ? ["T1546"] : []), ...(deletes ? ["T1562"] : [])];
    const mitre: MitreMapping = {
      tactics: [...(writes ? ["Persistence"] : []), ...(deletes ? ["DefenseEvasion"] : [])],
      techniques,
    };
    const actor = actorName(state.actor);
    const verbs = state
      .itemsOf("change")
      .map(pastTense)
      .filter((v, i, all) => all.indexOf(v) === i)
      .join(" and ");
    const endpoints = state.evidenceOf("endpoint");
    const concerns = state.evidenceOf("concern");
    return {
      severity,
      mitre,
      title: `${actor} ${verbs} ${kind} ${printable(name)}${concerns.length ? ` (${concerns.join(", ")})` : ""}`,
      description:
        `${actor} ${verbs} ${kind} ${printable(name)}.` +
        (endpoints.length ? ` The API server sends requests to ${listForProse(endpoints, 4)}.` : "") +
        (writes && resource === "mutatingwebhookconfigurations"
          ? " A mutating webhook can rewrite every object it matches, such as injecting a container into new pods."
          : "") +
        (deletes ? " Deleting a webhook disables whatever it enforced." : ""),
      evidence: { changes: state.itemsOf("change"), endpoints, rules: state.evidenceOf("rule"), concerns, webhookConfiguration: target },
      qualifyingEvents: 1,
    };
  },
});

/** `service ns/name:port/path` or `url https://host/path`, without the CA bundle, user-info or query. */
function endpointOf(webhook: unknown): string {
  const url = asString(field(webhook, "clientConfig", "url"));
  // Credentials can ride in a URL's user-info or query: keep scheme, host and path only.
  if (url) return `url ${url.replace(/\/\/[^/@]*@/, "//").replace(/[?#].*$/, "")}`;
  const service = field(webhook, "clientConfig", "service");
  if (service === undefined) return "";
  const port = field(service, "port");
  return `service ${asString(field(service, "namespace"))}/${asString(field(service, "name"))}${typeof port === "number" ? `:${port}` : ""}${asString(field(service, "path"))}`;
}
