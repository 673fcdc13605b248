/**
 * workload-persistence — workloads that keep an attacker's code running: a DaemonSet created (a pod on
 * every node), a CronJob or Job created or changed, and a container added to an existing Deployment,
 * DaemonSet or StatefulSet (sidecar injection). A patch alone does not say whether the container it names
 * is new, so each workload's container names are remembered from the writes that show them; a workload
 * never seen before is judged by its patch: a JSON-patch `add` of a container, or a strategic-merge entry
 * that defines a whole container (image and command), which `kubectl set image` never sends.
 */
import { z } from "zod";
import { baseSettings, defineDetection, type Severity } from "../pipeline/detect/detection.js";
import { matcherFor } from "../pipeline/detect/patterns.js";
import type { AuditEvent } from "../pipeline/normalize/auditEvent.js";
import { isAllowed } from "../pipeline/normalize/auditEvent.js";
import { actorName, asArray, asString, field, listForProse, printable, objectNameOf } from "./lib/k8s.js";
import {
  AKS_IDENTITIES,
  allMitre,
  type ContainerView,
  containersOf,
  isDryRun,
  jsonPointer,
  KIND_LABELS,
  narrowMitre,
  resultingSpecOf,
  SPEC_WRITE_VERBS,
  TEMPLATE_CONTROLLERS,
  changesProse,
  type VariantMitre,
  writtenSpecOf,
} from "./lib/workload.js";

const settings = baseSettings({ windowMinutes: 60, allowActors: [...AKS_IDENTITIES] }).extend({
  /** DaemonSets created. */
  daemonSets: z.boolean().default(true),
  /** CronJobs and Jobs (apiGroup batch) created, updated or patched; status writes are not selected. */
  cronJobs: z.boolean().default(true),
  /** Containers added to an existing Deployment, DaemonSet or StatefulSet. */
  sidecars: z.boolean().default(true),
  /** Controllers that create Jobs from CronJobs and patch owner references: their writes are not changes anyone made. */
  controllerActors: z.array(z.string().min(1)).default([...TEMPLATE_CONTROLLERS]),
});

type Settings = z.infer<typeof settings>;
type Variant = "daemonSet" | "cronJob" | "sidecar";

const MITRE: Readonly<Record<Variant, VariantMitre>> = {
  daemonSet: { tactics: ["Execution", "Persistence"], techniques: ["T1610", "T1543"] },
  cronJob: { tactics: ["Execution", "Persistence"], techniques: ["T1053.007"] },
  sidecar: { tactics: ["Execution", "Persistence"], techniques: ["T1610"] },
};
const SEVERITY: Readonly<Record<Variant, Severity>> = { daemonSet: "Low", cronJob: "Low", sidecar: "Medium" };

const BATCH = new Set(["cronjobs", "jobs"]);
const PODSET = new Set(["deployments", "daemonsets", "statefulsets"]);
const ADD_CONTAINER = /^\/spec\/template\/spec\/(initContainers|containers)\/(-|\d+)$/;

export const workloadPersistence = defineDetection<Settings>({
  id: "workload-persistence",
  title: "DaemonSet, CronJob or sidecar container added",
  description:
    "A workload that keeps code running was added: a DaemonSet (a pod on every node), a CronJob or Job created or changed, or a new container injected into an existing Deployment, DaemonSet or StatefulSet, where it runs with that workload's service account, network and volumes.",
  mitre: allMitre(MITRE),
  status: "experimental",
  severityLogic: "Medium for a container added to an existing workload (sidecar injection); Low for a DaemonSet created or a CronJob or Job written.",
  runbook: [
    "Read Evidence.details: what was added, from which image, on what schedule.",
    "Confirm with the workload's owner or the deployment pipeline; if nobody made the change, revert it (`kubectl rollout undo deployment/<name> -n <namespace>`, or delete the CronJob / DaemonSet).",
    "If the image or command is unknown, treat the workload's service account token and mounted secrets as exposed.",
  ],
  catalogueRows: [46, 47, 48],
  orderSensitive: true,
  settings,
  select: { resources: ["daemonsets", "deployments", "statefulsets", "cronjobs", "jobs"], verbs: SPEC_WRITE_VERBS },

  memory: {
    ttlDays: 90,
    keys(event) {
      return PODSET.has(event.objectRef?.resource ?? "") && !event.objectRef?.subresource ? [objectKey(event)] : [];
    },
    remember(event, recall) {
      const ref = event.objectRef;
      if (!ref || !PODSET.has(ref.resource) || ref.subresource || !isAllowed(event) || isDryRun(event)) return undefined;
      const known = recall(objectKey(event));
      if (known?.auditId === event.auditId) return undefined; // redelivered: `before` is already this event's
      const before = namesOf(known);
      const resulting = resultingSpecOf(event);
      let after: string[] | undefined;
      if (resulting !== undefined) after = containerNames(containersOf(resulting));
      else if (before) after = [...new Set([...before, ...containerNames(containersOf(writtenSpecOf(event)))])].sort();
      return after ? { object: objectKey(event), facts: { containers: after, before: before ?? null, auditId: event.auditId } } : undefined;
    },
  },

  fold(event, s, recall) {
    const ref = event.objectRef;
    if (!ref || ref.subresource || !isAllowed(event) || isDryRun(event) || matcherFor(s.controllerActors)(event.user.username)) return undefined;
    const variants: Variant[] = [];
    const details: string[] = [];
    if (s.daemonSets && ref.resource === "daemonsets" && event.verb === "create") {
      variants.push("daemonSet");
      details.push("a pod on every node");
    }
    if (s.cronJobs && BATCH.has(ref.resource)) {
      variants.push("cronJob");
      const schedule = asString(field(event.requestObject, "spec", "schedule"));
      if (schedule) details.push(`schedule ${schedule}`);
    }
    if (s.sidecars && PODSET.has(ref.resource) && event.verb !== "create") {
      for (const added of addedContainers(event, recall)) {
        if (!variants.includes("sidecar")) variants.push("sidecar");
        details.push(added);
      }
    }
    if (variants.length === 0) return undefined;
    const images = containersOf(writtenSpecOf(event))
      .map((c) => c.image)
      .filter((image) => image !== "");
    return {
      key: [event.user.username, `${ref.resource}/${ref.namespace}/${objectNameOf(event)}`],
      items: { variant: variants, change: event.verb },
      evidence: { detail: details.map((d) => printable(d)), image: images.map((i) => printable(i)) },
    };
  },

  evaluate(state) {
    const [, target = ""] = state.key;
    const [resource = "", namespace = "", name = ""] = target.split("/");
    const variants = state.itemsOf("variant") as Variant[];
    const details = state.evidenceOf("detail");
    let severity: Severity = "Low";
    for (const variant of variants) if (SEVERITY[variant] === "Medium") severity = "Medium";
    const actor = actorName(state.actor);
    const verbs = changesProse(state.itemsOf("change"));
    const object = `${KIND_LABELS[resource] ?? resource} ${printable(namespace)}/${printable(name)}`;
    return {
      severity,
      mitre: narrowMitre(MITRE, variants),
      title: `${actor} ${verbs} ${object}${details.length ? `: ${listForProse(details, 3)}` : ""}`,
      description:
        `${actor} ${verbs} ${object}${details.length ? ` (${listForProse(details, 6)})` : ""}.` +
        (variants.includes("sidecar") ? " A container added to a running workload inherits its service account, network and volumes." : "") +
        (variants.includes("cronJob") ? " Scheduled jobs bring code back after it is removed." : "") +
        (variants.includes("daemonSet") ? " A DaemonSet puts a pod on every node, present and future." : ""),
      evidence: { variants, details, images: state.evidenceOf("image"), workload: target },
      qualifyingEvents: 1,
    };
  },
});

/** Containers this update or patch adds, as `adds container x (image)`; never for a workload known to have them. */
function addedContainers(event: AuditEvent, recall: (object: string) => Readonly<Record<string, unknown>> | undefined): string[] {
  const known = recall(objectKey(event));
  // `remember` ran first for this event: its facts hold the names from before it.
  const before = known?.auditId === event.auditId ? namesOf({ containers: known.before }) : namesOf(known);
  const out: string[] = [];
  if (Array.isArray(event.requestObject)) {
    for (const op of event.requestObject) {
      if (asString(field(op, "op")) !== "add" || !ADD_CONTAINER.test(`/${jsonPointer(asString(field(op, "path"))).join("/")}`)) continue;
      const name = asString(field(op, "value", "name"));
      if (!before?.includes(name)) out.push(describe(name, asString(field(op, "value", "image"))));
    }
    return out;
  }
  for (const container of containersOf(writtenSpecOf(event))) {
    if (container.kind === "ephemeralContainer") continue;
    const isNew = before ? !before.includes(container.name) : event.verb === "patch" && definesContainer(container);
    if (isNew) out.push(describe(container.name, container.image));
  }
  return out;
}

/** A whole container definition (image and what to run), not an edit of one field of an existing container. */
function definesContainer(container: ContainerView): boolean {
  return container.image !== "" && container.command.length > 0;
}

function describe(name: string, image: string): string {
  return `adds container ${name || "(unnamed)"}${image ? ` (${image})` : ""}`;
}

function containerNames(containers: readonly ContainerView[]): string[] {
  return [...new Set(containers.filter((c) => c.kind !== "ephemeralContainer").map((c) => c.name))].sort();
}

function namesOf(facts: Readonly<Record<string, unknown>> | undefined): string[] | undefined {
  const names = facts?.containers;
  return Array.isArray(names) ? asArray(names).map(asString) : undefined;
}

function objectKey(event: AuditEvent): string {
  const ref = event.objectRef;
  return ref ? `${ref.resource}/${ref.namespace}/${objectNameOf(event)}` : "";
}
