/**
 * denied-requests — one identity, from one source, refused by the API server again and again (decision
 * forbid, or 401/403), or refused a create at all. Repeated refusals are how a stolen credential finds out
 * what it may do, and how a scanner tries tokens; a refused create is someone trying to change the cluster
 * without the right. Anonymous requests are anonymous-access's: they are not reported twice.
 */
import { z } from "zod";
import { baseSettings, defineDetection, type Severity } from "../pipeline/detect/detection.js";
import { isPublicAddress } from "../pipeline/detect/network.js";
import { matcherFor } from "../pipeline/detect/patterns.js";
import { AKS_PLATFORM_IDENTITIES, requestLabel, resourceOf, sourceOf } from "./lib/identity.js";
import { listForProse, maxSeverity, printable } from "./lib/k8s.js";

const settings = baseSettings({
  windowMinutes: 30,
  // AKS's own identities; kubelets, which the node authorizer refuses while a pod is still being bound to them.
  allowActors: [...AKS_PLATFORM_IDENTITIES, "system:node:*", "nodeclient"],
}).extend({
  /** Refusals of one identity from one source within the window (Panther: 10 in 30 minutes from a public address). */
  deniedRequests: z.number().int().min(2).default(10),
  /** Refused creates of one identity from one source that make a finding on their own (Elastic reports a single one). */
  deniedCreates: z.number().int().min(1).default(1),
  /**
   * Resources whose refused create is routine and not a finding on its own (it still counts as a refusal):
   * components without the RBAC to record Events or delegate authentication retry these forever.
   */
  routineCreates: z.array(z.string()).default(["events", "tokenreviews", "subjectaccessreviews"]),
  /** User agents of health probes, never reported (`*` matches any run of characters). */
  ignoreUserAgents: z.array(z.string()).default(["kube-probe/*"]),
});

type Settings = z.infer<typeof settings>;

export const deniedRequests = defineDetection<Settings>({
  id: "denied-requests",
  title: "Repeated or forbidden requests refused by the API server",
  description:
    "One identity, from one source address, was refused by the API server many times within a window (decision forbid, 401 or 403), or was refused a create. Stolen credentials probe what they may do this way, scanners try tokens, and a refused create is an attempt to change the cluster without the right to.",
  mitre: { tactics: ["Discovery", "InitialAccess"], techniques: ["T1613", "T1078"] },
  status: "experimental",
  severityLogic:
    "Medium when `deniedCreates` creates were refused (other than `routineCreates`) or the source address is public (with at least `deniedRequests` refusals); Low for `deniedRequests` refusals from a private address.",
  runbook: [
    "Read Evidence.refused: which verbs and resources were refused, and Evidence.sourceIp: from where.",
    "Check whether the identity should do this: `kubectl auth can-i --list --as <actor>`; a workload missing a permission retries the same request, a probe tries many.",
    "If the source is unknown or public and the identity is a service account, treat its token as stolen: delete the secret or pod that holds it, and look for allowed requests from the same source.",
  ],
  catalogueRows: [4, 5, 7],
  settings,
  select: { denied: true },

  fold(event, s) {
    // Anonymous refusals are anonymous-access's (its probing variant), not reported twice.
    if (event.actorType === "anonymous") return undefined;
    if (event.userAgent && s.ignoreUserAgents.length && matcherFor(s.ignoreUserAgents)(event.userAgent)) return undefined;
    const label = requestLabel(event);
    return {
      key: [event.user.username, sourceOf(event)],
      items: {
        refusal: event.auditId,
        create: event.verb === "create" && !s.routineCreates.includes(event.objectRef?.resource ?? "") ? event.auditId : undefined,
        resource: resourceOf(event) || undefined,
      },
      evidence: { refused: `${label} → ${event.responseCode ?? event.decision ?? "?"}`, verb: event.verb },
    };
  },

  evaluate(state, s) {
    const [actorName = "", source = ""] = state.key;
    const refusals = state.count("refusal");
    const creates = state.count("create");
    const publicSource = source !== "" && isPublicAddress(source);
    const conditions: { severity: Severity; events: number }[] = [];
    if (refusals >= s.deniedRequests) conditions.push({ severity: publicSource ? "Medium" : "Low", events: s.deniedRequests });
    if (creates >= s.deniedCreates) conditions.push({ severity: "Medium", events: s.deniedCreates });
    if (conditions.length === 0) return undefined;
    const severity = conditions.map((c) => c.severity).reduce(maxSeverity);
    const actor = actorName ? printable(actorName) : "a client with no username";
    const from = source ? `${publicSource ? "public address " : ""}${printable(source)}` : "an unknown source";
    const what =
      creates === refusals
        ? plural(creates, "a create", "creates")
        : `${plural(refusals, "a request", "requests")}${creates ? ` (${creates} of them ${creates === 1 ? "a create" : "creates"})` : ""}`;
    const resources = state.itemsOf("resource", 10);
    const refused = state.evidenceOf("refused", 20);
    return {
      severity,
      title: `${actorName ? actor : "A client with no username"} was refused ${what} from ${from}`,
      description:
        `Within ${state.windowMs / 60_000} minutes the API server refused ${refusals} request(s) by ${actor} from ${from}` +
        (resources.length ? ` on ${listForProse(resources, 6)}` : "") +
        `, such as ${listForProse(
          refused.slice(0, 3).map((r) => `\`${r}\``),
          3,
        )}.` +
        (creates ? ` ${creates} of them tried to create objects.` : "") +
        (publicSource ? " The requests came from the internet." : ""),
      evidence: { sourceIp: source, publicSource, refusals, refusedCreates: creates, resources, verbs: state.evidenceOf("verb"), refused },
      qualifyingEvents: Math.min(...conditions.map((c) => c.events)),
    };
  },
});

function plural(count: number, one: string, many: string): string {
  return count === 1 ? one : `${count} ${many}`;
}
