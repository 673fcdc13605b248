/**
 * privileged-workload — a pod, workload template or debug container written with a way onto its node:
 * a privileged (or Windows HostProcess) container, a sensitive hostPath mount, host namespaces, dangerous
 * capabilities; any hostPath and root users as lower-severity variants. Templates are inspected where
 * they are written (Deployment, DaemonSet, CronJob…); the pods controllers stamp out of them are not
 * reported again unless `inspectControllerWrites` is set. A patch is judged by what it adds.
 */
import { z } from "zod";
import { baseSettings, defineDetection, type Severity } from "../pipeline/detect/detection.js";
import { matcherFor } from "../pipeline/detect/patterns.js";
import { isAllowed } from "../pipeline/normalize/auditEvent.js";
import { actorName, field, listForProse, maxSeverity, printable, objectNameOf } from "./lib/k8s.js";
import { DANGEROUS_CAPABILITIES, profileOf, type RiskVariant, risksOf, SENSITIVE_HOST_PATHS } from "./lib/podSecurity.js";
import {
  AKS_IDENTITIES,
  allMitre,
  containersOf,
  isDryRun,
  KIND_LABELS,
  narrowMitre,
  ownerOf,
  SPEC_WRITE_VERBS,
  TEMPLATE_CONTROLLERS,
  changesProse,
  type VariantMitre,
  WORKLOAD_RESOURCES,
  writtenSpecOf,
} from "./lib/workload.js";

const settings = baseSettings({
  windowMinutes: 60,
  // AKS deploys its add-ons (kube-proxy, CSI drivers, azure-cns) privileged, with host mounts, as these identities.
  allowActors: [...AKS_IDENTITIES],
}).extend({
  /** Containers with `privileged: true`, or Windows HostProcess containers. */
  privileged: z.boolean().default(true),
  /** hostPath volumes on a `sensitiveHostPaths` path. */
  sensitiveHostPath: z.boolean().default(true),
  /** Any other hostPath volume (Sigma reports every one). */
  hostPath: z.boolean().default(true),
  hostNetwork: z.boolean().default(true),
  hostPID: z.boolean().default(true),
  hostIPC: z.boolean().default(true),
  /** `securityContext.capabilities.add` naming a `dangerousCapabilities` entry. */
  capabilities: z.boolean().default(true),
  /** `runAsUser: 0` or `runAsNonRoot: false`, pod- or container-level (Panther counts these as privileged). */
  runAsRoot: z.boolean().default(true),
  sensitiveHostPaths: z.array(z.string().min(1)).default([...SENSITIVE_HOST_PATHS]),
  dangerousCapabilities: z.array(z.string().min(1)).default([...DANGEROUS_CAPABILITIES]),
  /** Images exempt from every variant (Falco's trusted image lists), e.g. `myregistry.azurecr.io/falco:*`. */
  trustedImages: z.array(z.string().min(1)).default([]),
  /** Controllers that copy a template someone else wrote into pods, ReplicaSets or Jobs. */
  controllerActors: z.array(z.string().min(1)).default([...TEMPLATE_CONTROLLERS]),
  /** Also inspect what `controllerActors` write: one more incident per pod of a privileged template. */
  inspectControllerWrites: z.boolean().default(false),
});

type Settings = z.infer<typeof settings>;

/** Capabilities with a known container-escape path: High rather than Medium. */
const ESCAPE_CAPABILITIES = new Set(["SYS_ADMIN", "SYS_MODULE", "SYS_PTRACE", "DAC_READ_SEARCH", "BPF", "ALL"]);

const EXECUTION_ESCAPE: VariantMitre = { tactics: ["Execution", "PrivilegeEscalation"], techniques: ["T1610", "T1611"] };
const MITRE: Readonly<Record<RiskVariant, VariantMitre>> = {
  privileged: EXECUTION_ESCAPE,
  sensitiveHostPath: EXECUTION_ESCAPE,
  hostPID: EXECUTION_ESCAPE,
  hostIPC: EXECUTION_ESCAPE,
  capabilities: EXECUTION_ESCAPE,
  hostPath: { tactics: ["PrivilegeEscalation"], techniques: ["T1611"] },
  hostNetwork: { tactics: ["Execution", "CredentialAccess"], techniques: ["T1610", "T1557"] },
  runAsRoot: { tactics: ["Execution"], techniques: ["T1610"] },
};

const SEVERITY: Readonly<Record<RiskVariant, Severity>> = {
  privileged: "High",
  sensitiveHostPath: "High",
  capabilities: "Medium",
  hostPID: "Medium",
  hostIPC: "Medium",
  hostNetwork: "Medium",
  hostPath: "Low",
  runAsRoot: "Low",
};

export const privilegedWorkload = defineDetection<Settings>({
  id: "privileged-workload",
  title: "Pod or workload with host access",
  description:
    "A pod, a workload's pod template or a debug container was written with a way onto its node: a privileged container, a sensitive hostPath mount, the host's network, PID or IPC namespace, or dangerous Linux capabilities. From there an attacker reads every pod's secrets on the node and the kubelet's credentials.",
  mitre: allMitre(MITRE),
  status: "stable",
  severityLogic:
    "High for a privileged or HostProcess container, a sensitive hostPath, or an added SYS_ADMIN, SYS_MODULE, SYS_PTRACE, DAC_READ_SEARCH, BPF or ALL; Medium for host namespaces or other dangerous capabilities; Low for any other hostPath or a root user; the highest variant wins.",
  runbook: [
    "Read Evidence.findings and Evidence.images: which container got what, from which image.",
    "If nobody expected it, delete the workload (`kubectl delete <kind> -n <namespace> <name>`) and cordon the nodes its pods ran on (`kubectl get pods -o wide`).",
    "Treat those nodes' kubelet credentials and every secret mounted by pods on them as exposed; look for exec-into-privileged-pod incidents on the same pods.",
  ],
  catalogueRows: [38, 39, 40, 41],
  settings,
  select: { resources: WORKLOAD_RESOURCES, verbs: SPEC_WRITE_VERBS },

  fold(event, s) {
    const ref = event.objectRef;
    // A controller copies a template whose write was inspected (and reported) when it was written.
    if (!ref || (!s.inspectControllerWrites && matcherFor(s.controllerActors)(event.user.username))) return undefined;
    if (!isAllowed(event) || isDryRun(event)) return undefined;
    const written = writtenSpecOf(event);
    if (written === undefined) return undefined;
    const debug = ref.subresource === "ephemeralcontainers";
    // A debug container adds only containers: the pod's own host namespaces and volumes are not its doing.
    const spec = debug ? { ephemeralContainers: field(written, "ephemeralContainers") } : written;
    const risks = risksOf(profileOf(spec), s).filter((risk) => s[risk.variant]);
    if (risks.length === 0) return undefined;
    const capabilities = risks.filter((r) => r.variant === "capabilities").map((r) => printable(r.value));
    const staticPod = event.actorType === "node" && ref.resource === "pods" && !debug;
    const owner = ownerOf(event.requestObject);
    return {
      key: [event.user.username, `${ref.resource}/${ref.namespace}/${objectNameOf(event)}`],
      items: { variant: risks.map((r) => r.variant), capability: capabilities, change: debug ? "debug" : event.verb },
      evidence: {
        finding: risks.map((r) => printable(r.detail)),
        image: containersOf(spec)
          .map((c) => printable(c.image))
          .filter((image) => image !== ""),
        owner: owner ? printable(owner) : undefined,
        staticPod: staticPod ? `mirror pod created by ${printable(event.user.username)}` : undefined,
      },
    };
  },

  evaluate(state) {
    const [, target = ""] = state.key;
    const [resource = "", namespace = "", name = ""] = target.split("/");
    const variants = state.itemsOf("variant") as RiskVariant[];
    const capabilities = state.itemsOf("capability");
    const findings = state.evidenceOf("finding");
    const changes = state.itemsOf("change");
    const staticPod = state.evidenceOf("staticPod");
    let severity: Severity = "Low";
    for (const variant of variants) severity = maxSeverity(severity, SEVERITY[variant] ?? "Low");
    if (capabilities.some((c) => ESCAPE_CAPABILITIES.has(c))) severity = "High";
    const actor = actorName(state.actor);
    const verbs = changesProse(changes);
    const kind = `${staticPod.length ? "static " : ""}${KIND_LABELS[resource] ?? resource}`;
    const object = `${kind} ${printable(namespace)}/${printable(name)}`;
    return {
      severity,
      mitre: narrowMitre(MITRE, variants),
      title: `${actor} ${verbs} ${object}: ${listForProse(findings, 3)}`,
      description:
        `${actor} ${verbs} ${object} with ${listForProse(findings, 8)}.` +
        (staticPod.length ? " A kubelet created it: someone wrote a static pod manifest on the node itself." : "") +
        (severity === "High" ? " That container can take over its node: the kubelet's credentials and every secret of every pod there." : ""),
      evidence: {
        variants,
        findings,
        capabilities,
        images: state.evidenceOf("image"),
        owner: state.evidenceOf("owner"),
        staticPod: staticPod.length > 0,
        workload: target,
      },
      qualifyingEvents: 1,
    };
  },
});
