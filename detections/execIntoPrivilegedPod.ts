/**
 * exec-into-privileged-pod — exec, attach or a debug container into a pod that was created privileged,
 * with a sensitive host mount, host namespaces or dangerous capabilities: a shell on the node, in effect.
 * The rule Falco's rules file says needs a stateful engine. What each pod was created with is remembered
 * from its create event (controllers' pods carry their generated name in the response at RequestResponse
 * level), and each workload's template from its writes. A pod whose creation was never seen is linked to
 * its workload by Kubernetes' naming: `<deployment>-<hash>-<5>`, `<daemonset|job>-<5>`, `<statefulset>-<n>`,
 * `<cronjob>-<minutes>-<5>` with the 5-character random suffixes drawn from Kubernetes' own alphabet.
 * Limits: pods with a generated name and no host access are not remembered (that would be a state write per
 * pod a controller creates), so a template remembered privileged but changed without a logged body would
 * still be linked; memory is per cluster, and an exec processed before the creation it follows is missed.
 */
import { z } from "zod";
import { baseSettings, defineDetection, type Recall, type RememberedFacts } from "../pipeline/detect/detection.js";
import type { AuditEvent } from "../pipeline/normalize/auditEvent.js";
import { isAllowed } from "../pipeline/normalize/auditEvent.js";
import { actorName, asArray, asString, field, listForProse, printable, objectNameOf } from "./lib/k8s.js";
import { DANGEROUS_CAPABILITIES, type HostAccess, RISK_VARIANTS, type PodRisk, risksOf, profileOf, SENSITIVE_HOST_PATHS } from "./lib/podSecurity.js";
import { isDryRun, KIND_LABELS, ownerOf, resultingSpecOf, SPEC_WRITE_VERBS, writtenSpecOf } from "./lib/workload.js";
import { AKS_PLATFORM_IDENTITIES } from "./lib/identity.js";
import { execCommandOf } from "./lib/execCommands.js";

const settings = baseSettings({
  windowMinutes: 60,
  allowActors: [...AKS_PLATFORM_IDENTITIES],
}).extend({
  /** What makes a pod count: every variant of privileged-workload but plain hostPath volumes and root users. */
  variants: z.array(z.enum(RISK_VARIANTS)).default(["privileged", "sensitiveHostPath", "hostNetwork", "hostPID", "hostIPC", "capabilities"]),
  sensitiveHostPaths: z.array(z.string().min(1)).default([...SENSITIVE_HOST_PATHS]),
  dangerousCapabilities: z.array(z.string().min(1)).default([...DANGEROUS_CAPABILITIES]),
  /** How long what a pod or template was created with counts (at most the 90 days it is kept). */
  rememberDays: z.number().int().min(1).max(90).default(30),
  /** Link a pod whose creation was not seen to its workload by name (see the file's comment). */
  linkByName: z.boolean().default(true),
});

type Settings = z.infer<typeof settings>;

const DAY = 24 * 3600 * 1000;
/** Clock skew tolerated between the API servers that logged a creation and a later exec. */
const SKEW = 60_000;
const NO_TRUSTED_IMAGES: readonly string[] = [];
const ACTIONS: Readonly<Record<string, string>> = { exec: "exec'd into", attach: "attached to", ephemeralcontainers: "added a debug container to" };
const TEMPLATES = ["deployments", "replicasets", "replicationcontrollers", "statefulsets", "daemonsets", "jobs", "cronjobs"];
/** Kubernetes' random-name alphabet (no vowels, no 0, 1, 3), as used for pod suffixes and template hashes. */
const SAFE = "[bcdfghjklmnpqrstvwxz2456789]";
const RANDOM_SUFFIX = new RegExp(`^(.+)-${SAFE}{5}$`);
const TEMPLATE_HASH = new RegExp(`^(.+)-${SAFE}{6,10}$`);
const SCHEDULED_JOB = /^(.+)-\d{8,}$/;
const ORDINAL = /^(.+)-\d+$/;

export const execIntoPrivilegedPod = defineDetection<Settings>({
  id: "exec-into-privileged-pod",
  title: "Exec into a privileged pod",
  description:
    "Someone exec'd into, attached to or added a debug container to a pod that was created privileged, with a sensitive host mount, host namespaces or dangerous capabilities. A shell there is a shell on the node: the kubelet's credentials and every secret on it.",
  mitre: { tactics: ["Execution", "PrivilegeEscalation"], techniques: ["T1609", "T1611"] },
  status: "experimental",
  severityLogic: "Always High: the pod's creation gave it the node.",
  runbook: [
    "Read Evidence.hostAccess and Evidence.createdBy: what the pod could do, and who made it so; Evidence.commands: what was run.",
    "If the actor had no reason to be there, revoke their access, cordon the pod's node (`kubectl get pod -n <namespace> <pod> -o wide`) and rotate what the node holds.",
    "Read the privileged-workload incident of the pod's creation and the pod-exec incident of this session together.",
  ],
  catalogueRows: [],
  orderSensitive: true,
  settings,
  select: [
    { resources: ["pods/exec", "pods/attach", "pods/ephemeralcontainers"] },
    { resources: ["pods"], verbs: ["create"] },
    { resources: TEMPLATES, verbs: SPEC_WRITE_VERBS },
  ],

  memory: {
    ttlDays: 90,
    keys(event) {
      const ref = event.objectRef;
      if (!ref) return [];
      if (ref.subresource) return ref.resource === "pods" ? [podKey(ref.namespace, ref.name), ...candidateKeys(ref.namespace, ref.name)] : [];
      // A name a controller generated is never given again: nothing earlier to look up (remembering needs no lookup).
      if (ref.resource === "pods" && generatedName(event)) return [];
      const name = objectNameOf(event);
      return name === "" || name.endsWith("*") ? [] : [`${ref.resource}/${ref.namespace}/${name}`];
    },
    remember(event, recall) {
      const ref = event.objectRef;
      if (!ref || ref.subresource || !isAllowed(event) || isDryRun(event)) return undefined;
      const name = objectNameOf(event);
      if (name === "" || name.endsWith("*")) return undefined;
      const object = `${ref.resource}/${ref.namespace}/${name}`;
      // A name a controller generated was never given before: nothing to recall.
      const known = ref.resource === "pods" && generatedName(event) ? undefined : recall(object);
      const resulting = resultingSpecOf(event);
      let access: HostAccess[];
      if (resulting !== undefined) access = [...profileOf(resulting).access];
      else if (event.verb === "patch") access = union(accessOf(known), profileOf(writtenSpecOf(event)).access);
      else return undefined;
      // Nothing to remember, unless an earlier object of that name was remembered: it is gone or changed.
      if (access.length === 0 && !known) return undefined;
      return {
        object,
        facts: { access, by: event.user.username, at: event.time, owner: ownerOf(event.responseObject) || ownerOf(event.requestObject) },
      };
    },
  },

  fold(event, s, recall) {
    const ref = event.objectRef;
    const action = ref?.subresource ?? "";
    if (!ref || !Object.hasOwn(ACTIONS, action) || !isAllowed(event)) return undefined;
    if (action === "ephemeralcontainers" && !SPEC_WRITE_VERBS.includes(event.verb)) return undefined;
    const link = linkOf(event, s, recall);
    if (!link) return undefined;
    const command = action === "exec" ? execCommandOf(event) : "";
    return {
      key: [event.user.username, podKey(ref.namespace, ref.name)],
      items: { variant: link.risks.map((r) => r.variant), action },
      evidence: {
        hostAccess: link.risks.map((r) => printable(r.detail)),
        command: command ? printable(command, 500) : undefined,
        linkedVia: link.via,
        createdBy: printable(link.by),
        createdAt: new Date(link.at).toISOString(),
        owner: link.owner ? printable(link.owner) : undefined,
      },
    };
  },

  evaluate(state) {
    const [, target = ""] = state.key;
    const [, namespace = "", pod = ""] = target.split("/");
    const variants = state.itemsOf("variant");
    const hostAccess = state.evidenceOf("hostAccess");
    const commands = state.evidenceOf("command");
    const createdBy = state.evidenceOf("createdBy");
    const linkedVia = state.evidenceOf("linkedVia");
    const actions = state
      .itemsOf("action")
      .map((a) => ACTIONS[a] ?? a)
      .join(" and ");
    const kind = variants.includes("privileged") ? "privileged pod" : "pod with host access";
    const actor = actorName(state.actor);
    const object = `${kind} ${printable(namespace)}/${printable(pod)}`;
    return {
      severity: "High",
      title: `${actor} ${actions} ${object}, created by ${listForProse(createdBy, 1)} with ${listForProse(hostAccess, 2)}`,
      description:
        `${actor} ${actions} ${object}` +
        (commands.length
          ? `, running ${listForProse(
              commands.map((c) => `\`${printable(c, 120)}\``),
              4,
            )}`
          : "") +
        `. The pod has ${listForProse(hostAccess, 6)}, as ${listForProse(linkedVia, 2)} by ${listForProse(createdBy, 2)} shows: a session there reaches the node.`,
      evidence: {
        hostAccess,
        variants,
        commands,
        linkedVia,
        createdBy,
        createdAt: state.evidenceOf("createdAt"),
        owner: state.evidenceOf("owner"),
        pod: target,
      },
      qualifyingEvents: 1,
    };
  },
});

interface Link {
  readonly risks: readonly PodRisk[];
  readonly via: string;
  readonly by: string;
  readonly at: number;
  readonly owner: string;
}

/** What the pod was created with: its own creation if seen (authoritative), else its workload's template by name. */
function linkOf(event: AuditEvent, s: Settings, recall: Recall): Link | undefined {
  const ref = event.objectRef;
  if (!ref) return undefined;
  const own = fresh(recall(podKey(ref.namespace, ref.name)), event.time, s);
  if (own) return linked(own, "its creation", s);
  if (!s.linkByName) return undefined;
  // The most specific workload known decides, privileged or not (a ReplicaSet before its Deployment).
  for (const candidate of candidateKeys(ref.namespace, ref.name)) {
    const facts = fresh(recall(candidate), event.time, s);
    if (facts) return linked(facts, `the template of ${templateName(candidate)}, whose pods are named so`, s);
  }
  return undefined;
}

function linked(facts: RememberedFacts, via: string, s: Settings): Link | undefined {
  const risks = risksOf({ images: [], access: accessOf(facts) }, { ...s, trustedImages: NO_TRUSTED_IMAGES }).filter((r) => s.variants.includes(r.variant));
  if (risks.length === 0) return undefined;
  return { risks, via, by: asString(facts.by), at: Number(facts.at), owner: asString(facts.owner) };
}

function fresh(facts: RememberedFacts | undefined, time: number, s: Settings): RememberedFacts | undefined {
  if (!facts || typeof facts.at !== "number") return undefined;
  const age = time - facts.at;
  return age >= -SKEW && age <= s.rememberDays * DAY ? facts : undefined;
}

/** The workloads whose pods Kubernetes would have named so, most specific first. */
function candidateKeys(namespace: string, pod: string): string[] {
  const out: string[] = [];
  const owner = RANDOM_SUFFIX.exec(pod)?.[1];
  if (owner) {
    for (const kind of ["replicasets", "daemonsets", "jobs", "replicationcontrollers"]) out.push(`${kind}/${namespace}/${owner}`);
    const deployment = TEMPLATE_HASH.exec(owner)?.[1];
    if (deployment) out.push(`deployments/${namespace}/${deployment}`);
    const cronJob = SCHEDULED_JOB.exec(owner)?.[1];
    if (cronJob) out.push(`cronjobs/${namespace}/${cronJob}`);
  }
  const statefulSet = ORDINAL.exec(pod)?.[1];
  if (statefulSet) out.push(`statefulsets/${namespace}/${statefulSet}`);
  return out;
}

function templateName(key: string): string {
  const [resource = "", namespace = "", name = ""] = key.split("/");
  return `${KIND_LABELS[resource] ?? resource} ${printable(namespace)}/${printable(name)}`;
}

function generatedName(event: AuditEvent): boolean {
  return field(event.requestObject, "metadata", "generateName") !== undefined;
}

function podKey(namespace: string, name: string): string {
  return `pods/${namespace}/${name}`;
}

function accessOf(facts: RememberedFacts | undefined): HostAccess[] {
  return asArray(facts?.access).filter((a): a is HostAccess => typeof field(a, "kind") === "string" && typeof field(a, "where") === "string");
}

function union(a: readonly HostAccess[], b: readonly HostAccess[]): HostAccess[] {
  const seen = new Set(a.map((x) => JSON.stringify(x)));
  return [...a, ...b.filter((x) => !seen.has(JSON.stringify(x)))];
}
