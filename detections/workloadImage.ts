/**
 * workload-image — a pod, workload template or debug container that runs a crypto-miner or an attack
 * tool (by image name), or, when the user lists the registries they trust, an image from anywhere else.
 * Images are matched as written and in their full form (`nginx` is `docker.io/library/nginx`), so a
 * short name cannot slip past a registry list. Templates are judged where they are written.
 */
import { z } from "zod";
import { baseSettings, defineDetection, type Severity } from "../pipeline/detect/detection.js";
import { matcherFor } from "../pipeline/detect/patterns.js";
import { isAllowed } from "../pipeline/normalize/auditEvent.js";
import { actorName, listForProse, printable, objectNameOf } from "./lib/k8s.js";
import {
  AKS_IDENTITIES,
  allMitre,
  containersOf,
  describeContainer,
  isDryRun,
  KIND_LABELS,
  narrowMitre,
  SPEC_WRITE_VERBS,
  TEMPLATE_CONTROLLERS,
  changesProse,
  type VariantMitre,
  WORKLOAD_RESOURCES,
  writtenSpecOf,
} from "./lib/workload.js";

const settings = baseSettings({ windowMinutes: 60, allowActors: [...AKS_IDENTITIES] }).extend({
  /** Registries (image patterns) images must come from, e.g. `contosoacr.azurecr.io/*`, `mcr.microsoft.com/*`. Empty: the variant is off. */
  allowedRegistries: z.array(z.string().min(1)).default([]),
  /** Crypto-mining images (patterns over the lower-cased full image reference). */
  miningImages: z
    .array(z.string().min(1))
    .default([
      "*xmrig*",
      "*xmr-stak*",
      "*minerd*",
      "*cpuminer*",
      "*cgminer*",
      "*bfgminer*",
      "*ccminer*",
      "*nbminer*",
      "*t-rex*",
      "*lolminer*",
      "*phoenixminer*",
      "*nanominer*",
      "*teamredminer*",
      "*srbminer*",
      "*ethminer*",
      "*nicehash*",
    ]),
  /** Kubernetes attack and post-exploitation tools (same pattern syntax). */
  attackToolImages: z
    .array(z.string().min(1))
    .default([
      "*kube-hunter*",
      "*peirates*",
      "*kubesploit*",
      "*kdigger*",
      "*kubeletctl*",
      "*cdk-team/cdk*",
      "*deepce*",
      "*badpods*",
      "*metasploit*",
      "*kalilinux/*",
      "*impacket*",
      "*jpillora/chisel*",
    ]),
  /** Controllers that copy a template into pods, ReplicaSets or Jobs: judged at the template. */
  controllerActors: z.array(z.string().min(1)).default([...TEMPLATE_CONTROLLERS]),
});

type Settings = z.infer<typeof settings>;
type Variant = "mining" | "attackTool" | "unallowedRegistry";

const MITRE: Readonly<Record<Variant, VariantMitre>> = {
  mining: { tactics: ["Impact"], techniques: ["T1496"] },
  attackTool: { tactics: ["Execution"], techniques: ["T1610"] },
  unallowedRegistry: { tactics: ["Execution"], techniques: ["T1610"] },
};
const LABELS: Readonly<Record<Variant, string>> = { mining: "crypto-miner", attackTool: "attack tool", unallowedRegistry: "not from an allowed registry" };

export const workloadImage = defineDetection<Settings>({
  id: "workload-image",
  title: "Crypto-miner, attack tool or untrusted image deployed",
  description:
    "A pod, a workload's template or a debug container runs an image named like a crypto-miner or a Kubernetes attack tool, or (when `allowedRegistries` is set) an image from a registry outside that list.",
  mitre: allMitre(MITRE),
  status: "experimental",
  severityLogic: "High for a crypto-mining or attack-tool image; Medium for an image outside `allowedRegistries`.",
  runbook: [
    "Read Evidence.images: which container runs what, and why it matched.",
    "For a miner or an attack tool: delete the workload, find how the actor got write access (rbac-binding-change, anonymous-access incidents) and revoke it.",
    "For an unknown registry: confirm with the workload's owner; add the registry to allowedRegistries if it is theirs.",
  ],
  catalogueRows: [44],
  settings,
  select: { resources: WORKLOAD_RESOURCES, verbs: SPEC_WRITE_VERBS },

  fold(event, s) {
    const ref = event.objectRef;
    if (!ref || matcherFor(s.controllerActors)(event.user.username) || !isAllowed(event) || isDryRun(event)) return undefined;
    const found: { variant: Variant; text: string }[] = [];
    for (const container of containersOf(writtenSpecOf(event))) {
      if (!container.image) continue;
      const variant = classify(container.image, s);
      if (variant) found.push({ variant, text: `${describeContainer(container)}: ${container.image} (${LABELS[variant]})` });
    }
    if (found.length === 0) return undefined;
    return {
      key: [event.user.username, `${ref.resource}/${ref.namespace}/${objectNameOf(event)}`],
      items: { variant: found.map((f) => f.variant), change: ref.subresource === "ephemeralcontainers" ? "debug" : event.verb },
      evidence: { image: found.map((f) => printable(f.text)) },
    };
  },

  evaluate(state) {
    const [, target = ""] = state.key;
    const [resource = "", namespace = "", name = ""] = target.split("/");
    const variants = state.itemsOf("variant") as Variant[];
    const images = state.evidenceOf("image");
    const severity: Severity = variants.includes("mining") || variants.includes("attackTool") ? "High" : "Medium";
    const actor = actorName(state.actor);
    const verbs = changesProse(state.itemsOf("change"));
    const object = `${KIND_LABELS[resource] ?? resource} ${printable(namespace)}/${printable(name)}`;
    return {
      severity,
      mitre: narrowMitre(MITRE, variants),
      title: `${actor} ${verbs} ${object} running ${listForProse(variants.map((v) => LABELS[v]))} image${images.length > 1 ? "s" : ""}`,
      description:
        `${actor} ${verbs} ${object}: ${listForProse(images, 6)}.` +
        (variants.includes("mining") ? " Miners burn the cluster's compute (and the bill) for someone else." : "") +
        (variants.includes("attackTool") ? " Attack tools in a pod probe the cluster from inside, with that pod's identity." : ""),
      evidence: { variants, images, workload: target },
      qualifyingEvents: 1,
    };
  },
});

function classify(image: string, s: Settings): Variant | undefined {
  const full = fullReference(image);
  const lower = full.toLowerCase();
  if (matcherFor(s.miningImages)(lower)) return "mining";
  if (matcherFor(s.attackToolImages)(lower)) return "attackTool";
  if (s.allowedRegistries.length && !matcherFor(s.allowedRegistries)(image) && !matcherFor(s.allowedRegistries)(full)) return "unallowedRegistry";
  return undefined;
}

/** `nginx:1.27` → `docker.io/library/nginx:1.27`, `bitnami/kubectl` → `docker.io/bitnami/kubectl`; a named registry stays. */
function fullReference(image: string): string {
  const slash = image.indexOf("/");
  if (slash < 0) return `docker.io/library/${image}`;
  const first = image.slice(0, slash);
  const isRegistry = first.includes(".") || first.includes(":") || first === "localhost";
  return isRegistry ? image : `docker.io/${image}`;
}
