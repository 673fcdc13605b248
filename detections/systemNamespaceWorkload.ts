/**
 * system-namespace-workload — a pod or workload created in kube-system (or kube-public, kube-node-lease)
 * by an identity that is not part of the cluster's machinery, hiding among system pods; and any pod or
 * template in kube-system that runs as one of kube-controller-manager's `*controller` service accounts,
 * whose tokens are admin-equivalent (Elastic). Pods controllers stamp out of a template are judged
 * where the template was written.
 */
import { z } from "zod";
import { baseSettings, defineDetection, type Severity } from "../pipeline/detect/detection.js";
import { matcherFor } from "../pipeline/detect/patterns.js";
import { isAllowed } from "../pipeline/normalize/auditEvent.js";
import { actorName, asString, field, listForProse, printable, objectNameOf } from "./lib/k8s.js";
import {
  AKS_IDENTITIES,
  allMitre,
  containersOf,
  isDryRun,
  KIND_LABELS,
  narrowMitre,
  SPEC_WRITE_VERBS,
  TEMPLATE_CONTROLLERS,
  changesProse,
  type VariantMitre,
  writtenSpecOf,
} from "./lib/workload.js";

const settings = baseSettings({ windowMinutes: 60, allowActors: [...AKS_IDENTITIES] }).extend({
  /** Namespaces only the platform deploys into. Panther adds kube-node-lease: nothing should ever run there. */
  namespaces: z.array(z.string().min(1)).default(["kube-system", "kube-public", "kube-node-lease"]),
  /** Identities that deploy into system namespaces by design: not reported for creating there (still for controller service accounts). */
  systemActors: z
    .array(z.string().min(1))
    .default(["system:serviceaccount:kube-system:*", "system:kube-controller-manager", "system:kube-scheduler", "system:apiserver"]),
  /** A creation whose every container image matches is not reported (Falco's allowed images; AKS's own come from MCR). */
  allowedImages: z.array(z.string().min(1)).default(["mcr.microsoft.com/*"]),
  /** Service-account names that mark a controller's admin-equivalent identity (Elastic: `*controller`). */
  controllerServiceAccounts: z.array(z.string().min(1)).default(["*controller"]),
  /** Controllers that copy a template into pods, ReplicaSets or Jobs: judged at the template. */
  controllerActors: z.array(z.string().min(1)).default([...TEMPLATE_CONTROLLERS]),
});

type Settings = z.infer<typeof settings>;
type Variant = "systemNamespace" | "controllerServiceAccount";

const MITRE: Readonly<Record<Variant, VariantMitre>> = {
  systemNamespace: { tactics: ["DefenseEvasion"], techniques: ["T1036.005"] },
  controllerServiceAccount: { tactics: ["PrivilegeEscalation"], techniques: ["T1078.001"] },
};

/** Debug containers are pod-exec's; status and scale subresources carry no new workload. */
const RESOURCES = ["pods", "deployments", "replicasets", "replicationcontrollers", "statefulsets", "daemonsets", "jobs", "cronjobs"];

export const systemNamespaceWorkload = defineDetection<Settings>({
  id: "system-namespace-workload",
  title: "Workload hidden in a system namespace",
  description:
    "A pod or workload was created in kube-system, kube-public or kube-node-lease by an identity that does not deploy there, with images not from Microsoft's registry; or a pod or template in kube-system runs as a controller's service account, whose token is admin-equivalent.",
  mitre: allMitre(MITRE),
  status: "experimental",
  severityLogic: "High when the pod runs as a `controllerServiceAccounts` service account; Medium for a creation in a system namespace.",
  runbook: [
    "Read Evidence.images and Evidence.serviceAccounts: what runs there, and as whom.",
    "If nobody expected it: `kubectl -n kube-system delete <kind> <name>`. A controller service account's token was in the pod: search what that account did since FirstSeen (Actor `system:serviceaccount:kube-system:<account>`).",
    "Look for rbac-binding-change and privileged-workload incidents by the same actor: hiding in kube-system usually follows gaining write access there.",
  ],
  catalogueRows: [42, 43],
  settings,
  select: { resources: RESOURCES, verbs: SPEC_WRITE_VERBS },

  fold(event, s) {
    const ref = event.objectRef;
    if (!ref || !isAllowed(event) || isDryRun(event) || !matcherFor(s.namespaces)(ref.namespace)) return undefined;
    const username = event.user.username;
    if (matcherFor(s.controllerActors)(username)) return undefined;
    const spec = writtenSpecOf(event);
    const serviceAccount = asString(field(spec, "serviceAccountName")) || asString(field(spec, "serviceAccount"));
    const controllerAccount = serviceAccount !== "" && matcherFor(s.controllerServiceAccounts)(serviceAccount);
    const images = containersOf(spec)
      .map((c) => c.image)
      .filter((image) => image !== "");
    const allowedImages = images.length > 0 && images.every((image) => matcherFor(s.allowedImages)(image));
    // Unknown images (Metadata level, no body) are not allowed ones: the creation is reported with what is known.
    const hidden = event.verb === "create" && !matcherFor(s.systemActors)(username) && !allowedImages;
    if (!hidden && !controllerAccount) return undefined;
    const variants: Variant[] = [];
    if (hidden) variants.push("systemNamespace");
    if (controllerAccount) variants.push("controllerServiceAccount");
    return {
      key: [username, `${ref.resource}/${ref.namespace}/${objectNameOf(event)}`],
      items: { variant: variants, change: event.verb },
      evidence: {
        image: images.map((image) => printable(image)),
        serviceAccount: serviceAccount ? printable(serviceAccount) : undefined,
      },
    };
  },

  evaluate(state) {
    const [, target = ""] = state.key;
    const [resource = "", namespace = "", name = ""] = target.split("/");
    const variants = state.itemsOf("variant") as Variant[];
    const images = state.evidenceOf("image");
    const serviceAccounts = state.evidenceOf("serviceAccount");
    const controllerAccount = variants.includes("controllerServiceAccount");
    const severity: Severity = controllerAccount ? "High" : "Medium";
    const actor = actorName(state.actor);
    const verbs = changesProse(state.itemsOf("change"));
    const object = `${KIND_LABELS[resource] ?? resource} ${printable(namespace)}/${printable(name)}`;
    // A creation logged without its body; a patch that touches no image says nothing about images.
    const running = images.length ? ` running ${listForProse(images, 3)}` : variants.includes("systemNamespace") ? " (images not logged)" : "";
    const as = controllerAccount ? ` as controller service account ${listForProse(serviceAccounts)}` : "";
    return {
      severity,
      mitre: narrowMitre(MITRE, variants),
      title: `${actor} ${verbs} ${object}${running}${as}`,
      description:
        `${actor} ${verbs} ${object} in system namespace ${printable(namespace)}${running}${as}.` +
        (variants.includes("systemNamespace") ? " Workloads there blend in with the platform's own and often escape review." : "") +
        (controllerAccount ? " A controller's service account can read every secret and create any workload: the pod holds its token." : ""),
      evidence: { variants, images, serviceAccounts, workload: target },
      qualifyingEvents: 1,
    };
  },
});
