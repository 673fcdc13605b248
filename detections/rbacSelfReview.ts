/**
 * rbac-self-review — a service account or node asking the API server what it may do (`kubectl auth can-i`,
 * SelfSubjectAccessReview / SelfSubjectRulesReview). Workloads are given their permissions and have no
 * reason to ask; a stolen token asks first. People ask all the time, so users are reported only on request.
 */
import { z } from "zod";
import { baseSettings, defineDetection, type Severity } from "../pipeline/detect/detection.js";
import type { AuditEvent } from "../pipeline/normalize/auditEvent.js";
import { AKS_PLATFORM_IDENTITIES, sourceOf } from "./lib/identity.js";
import { actorName, asString, field, listForProse, printable } from "./lib/k8s.js";

const settings = baseSettings({
  windowMinutes: 60,
  // The Azure Arc agents check their own access by design (Elastic's AKS rule excludes them).
  allowActors: [...AKS_PLATFORM_IDENTITIES, "system:serviceaccount:azure-arc:*"],
}).extend({
  /** Also report people (Low): `kubectl auth can-i` is everyday use for them, so off by default. */
  includeUsers: z.boolean().default(false),
});

type Settings = z.infer<typeof settings>;

const REVIEWS = ["selfsubjectaccessreviews", "selfsubjectrulesreviews"];

export const rbacSelfReview = defineDetection<Settings>({
  id: "rbac-self-review",
  title: "Service account or node checked its own permissions",
  description:
    "A service account or node asked the API server what it is allowed to do (SelfSubjectAccessReview or SelfSubjectRulesReview, what `kubectl auth can-i` sends). Workloads do not need to ask; an attacker holding a stolen token asks first, to find what the token can reach.",
  mitre: { tactics: ["Discovery"], techniques: ["T1069.003", "T1087.004", "T1613"] },
  status: "stable",
  severityLogic: "Medium for a service account or node; Low for a user, reported only when `includeUsers` is on.",
  runbook: [
    "Read Evidence.questions: what the identity asked about (`--list` asks for everything).",
    'Find the pod holding the token: `kubectl get pods -A -o json | jq -r \'.items[] | select(.spec.serviceAccountName=="<sa>") | .metadata.namespace+"/"+.metadata.name\'`, and check whether its image or a person exec\'ing into it runs kubectl.',
    "If nothing explains it, rotate the token (delete the pod, or the token secret) and look for what the identity did next (secret reads, exec, RBAC changes).",
  ],
  catalogueRows: [12],
  settings,
  select: { resources: REVIEWS, verbs: ["create"] },

  fold(event, s) {
    const type = event.actorType;
    if (type !== "serviceaccount" && type !== "node" && !(type === "user" && s.includeUsers)) return undefined;
    return {
      key: [event.user.username],
      items: { review: event.auditId },
      evidence: { question: questionOf(event), source: sourceOf(event) || undefined },
    };
  },

  evaluate(state) {
    const actor = actorName(state.actor);
    const questions = state.evidenceOf("question", 20);
    const person = state.actorType === "user";
    const severity: Severity = person ? "Low" : "Medium";
    const kind = state.actorType === "node" ? "node" : person ? "user" : "service account";
    return {
      severity,
      title: `${kind === "user" ? "" : `${kind[0]?.toUpperCase()}${kind.slice(1)} `}${actor} checked ${person ? "their" : "its"} own permissions: ${listForProse(questions, 2)}`,
      description:
        `${actor} sent ${state.eventCount} self-review request(s) (\`kubectl auth can-i\`), asking ${listForProse(questions, 6)}.` +
        (person ? "" : ` A ${kind} is given its permissions and has no need to ask; a stolen token asks to learn what it can reach.`),
      evidence: { questions, sources: state.evidenceOf("source") },
      qualifyingEvents: 1,
    };
  },
});

/** `can-i list secrets in kube-system → yes`, or `can-i --list in payments`, or what is known without a body. */
function questionOf(event: AuditEvent): string {
  const rules = event.objectRef?.resource === "selfsubjectrulesreviews";
  const body = event.requestObject ?? event.responseObject;
  const answer = field(event.responseObject, "status", "allowed");
  const verdict = answer === true ? " → yes" : answer === false ? " → no" : "";
  if (rules) {
    const namespace = asString(field(body, "spec", "namespace"));
    return printable(body === undefined ? "can-i --list (request body not logged)" : `can-i --list in ${namespace || "default"}`, 200);
  }
  const resource = field(body, "spec", "resourceAttributes");
  const nonResource = field(body, "spec", "nonResourceAttributes");
  if (resource !== undefined) {
    const verb = asString(field(resource, "verb")) || "*";
    const group = asString(field(resource, "group"));
    const name = asString(field(resource, "resource")) || "*";
    const sub = asString(field(resource, "subresource"));
    const namespace = asString(field(resource, "namespace"));
    const what = `${name}${sub ? `/${sub}` : ""}${group ? `.${group}` : ""}`;
    return printable(`can-i ${verb} ${what}${namespace ? ` in ${namespace}` : " cluster-wide"}${verdict}`, 200);
  }
  if (nonResource !== undefined)
    return printable(`can-i ${asString(field(nonResource, "verb")) || "*"} ${asString(field(nonResource, "path"))}${verdict}`, 200);
  return "can-i (request body not logged)";
}
