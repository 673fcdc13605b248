/**
 * events-deleted — Kubernetes events (core and events.k8s.io) deleted by a person, a workload or an
 * anonymous client: events are the cluster's own record of what ran where, and deleting them hides an
 * intrusion. The API server expires events itself (etcd leases, `--event-ttl`), so nothing deletes them
 * through the API in normal operation except the namespace controller emptying a deleted namespace, which
 * is a kube-system service account. AKS logs `delete` of events at Metadata level but not `deletecollection`
 * (its policy's "other events requests" rule is `None`); both are handled for clusters that log them.
 */
import { z } from "zod";
import { baseSettings, defineDetection } from "../pipeline/detect/detection.js";
import { isAllowed } from "../pipeline/normalize/auditEvent.js";
import { actorName, listForProse, printable } from "./lib/k8s.js";

const settings = baseSettings({
  windowMinutes: 60,
  allowActors: ["system:serviceaccount:kube-system:*"],
}).extend({
  /** Events deleted by one identity within the window that make a purge (High). */
  manyDeletes: z.number().int().min(2).default(10),
});

type Settings = z.infer<typeof settings>;

export const eventsDeleted = defineDetection<Settings>({
  id: "events-deleted",
  title: "Kubernetes events deleted",
  description:
    "A person, a workload's service account or an anonymous client deleted Kubernetes events. The API server expires events on its own; deleting them through the API removes the record of which pods ran, failed or were pulled, and is how an intruder covers tracks.",
  mitre: { tactics: ["DefenseEvasion"], techniques: ["T1070"] },
  status: "stable",
  severityLogic:
    "Medium for events deleted one at a time; High for a deletecollection (all events of a namespace at once) or `manyDeletes` events deleted by one identity in the window.",
  runbook: [
    "Ask the actor why; nobody needs to delete events in normal operation.",
    "Events are gone from the API, but kube-audit still has what happened in those namespaces around FirstSeen: look for pod creations, execs and secret reads by the same actor.",
    "If unexpected, revoke the actor's credentials and review who holds `delete` on events (`kubectl auth can-i delete events --as <actor> -n <ns>`).",
  ],
  catalogueRows: [66],
  settings,
  // Control-plane (system:*) and AKS-managed identities are not selected.
  select: { resources: ["events"], verbs: ["delete", "deletecollection"], actorTypes: ["user", "serviceaccount", "anonymous", "node"] },

  fold(event) {
    const ref = event.objectRef;
    if (!ref || !isAllowed(event)) return undefined;
    const namespace = ref.namespace || "all namespaces";
    const purge = event.verb === "deletecollection";
    return {
      key: [event.user.username],
      items: { deleted: purge ? undefined : `${namespace}/${ref.name}`, purge: purge ? namespace : undefined, namespace },
      evidence: { deletion: printable(purge ? `deleted every event of ${namespace}` : `deleted event ${namespace}/${ref.name}`, 300) },
    };
  },

  evaluate(state, s) {
    const deleted = state.count("deleted");
    const purged = state.itemsOf("purge");
    const many = deleted >= s.manyDeletes;
    const namespaces = state.itemsOf("namespace");
    const actor = actorName(state.actor);
    const oneByOne = [...new Set(state.itemsOf("deleted").map((e) => e.slice(0, e.indexOf("/"))))];
    const what = [
      ...(purged.length ? [`every event of ${listForProse(purged)}`] : []),
      ...(deleted ? [`${deleted} event${deleted === 1 ? "" : "s"} in ${listForProse(oneByOne)}`] : []),
    ];
    return {
      severity: purged.length || many ? "High" : "Medium",
      title: `${actor} deleted ${listForProse(what, 2)}`,
      description: `${actor} deleted ${listForProse(what, 2)} through the API within ${state.windowMs / 60_000} minutes. The API server expires events on its own; deleting them hides what happened in ${listForProse(namespaces, 5)}.`,
      evidence: { deletedEvents: deleted, purgedNamespaces: purged, namespaces, deletions: state.evidenceOf("deletion", 20) },
      qualifyingEvents: 1,
    };
  },
});
