/**
 * coredns-change — the cluster DNS configuration (ConfigMaps coredns, coredns-custom, kube-dns in
 * kube-system) created, changed or deleted by someone other than the DNS add-on and AKS. Whoever edits
 * the Corefile decides what every pod's lookups resolve to: one `rewrite` or `hosts` line sends a
 * service's traffic, and its credentials, to an attacker. AKS logs coredns-custom updates with their
 * body, so the directives that changed are shown.
 */
import { z } from "zod";
import { baseSettings, defineDetection, type Severity } from "../pipeline/detect/detection.js";
import { isAllowed } from "../pipeline/normalize/auditEvent.js";
import { actorName, field, listForProse, pastTense, printable } from "./lib/k8s.js";
import { AKS_PLATFORM_IDENTITIES } from "./lib/identity.js";

const settings = baseSettings({
  windowMinutes: 60,
  allowActors: [
    ...AKS_PLATFORM_IDENTITIES,
    "system:node:*",
    "system:serviceaccount:kube-system:coredns",
    "system:serviceaccount:kube-system:coredns-autoscaler",
    "system:serviceaccount:kube-system:kube-dns",
  ],
}).extend({
  /** The namespace the DNS configuration lives in. */
  namespace: z.string().default("kube-system"),
  /** DNS ConfigMaps; a change to one of `coreConfigMaps` is High, to the others Medium. */
  configMaps: z.array(z.string()).default(["coredns", "coredns-custom", "kube-dns"]),
  /** The ConfigMaps AKS manages itself (its supported customisation point is coredns-custom). */
  coreConfigMaps: z.array(z.string()).default(["coredns", "kube-dns"]),
  /** Corefile plugins that redirect or answer names; shown in the evidence. */
  redirectingPlugins: z.array(z.string()).default(["rewrite", "hosts", "template", "forward", "file", "auto"]),
});

type Settings = z.infer<typeof settings>;

export const corednsChange = defineDetection<Settings>({
  id: "coredns-change",
  title: "Cluster DNS (CoreDNS) configuration changed",
  description:
    "The CoreDNS or kube-dns configuration in kube-system was created, changed or deleted by someone other than the DNS add-on or AKS. Changing the cluster's DNS lets an attacker redirect service names to hosts they control and intercept traffic and credentials (DNS poisoning).",
  mitre: { tactics: ["CredentialAccess", "Collection", "Impact"], techniques: ["T1557", "T1565.001"] },
  status: "experimental",
  severityLogic:
    "High for any change to a `coreConfigMaps` ConfigMap (coredns, kube-dns: AKS manages them) or the deletion of any DNS ConfigMap; Medium for a create, update or patch of coredns-custom, AKS's supported customisation point.",
  runbook: [
    "Read Evidence.directives: which names are rewritten, answered or forwarded where.",
    "Compare with what your team deployed: `kubectl get configmap coredns-custom -n kube-system -o yaml`.",
    "If it is not yours, restore it and restart CoreDNS (`kubectl -n kube-system rollout restart deployment coredns`), then look for traffic to the hosts it pointed at.",
  ],
  catalogueRows: [61],
  settings,
  select: { resources: ["configmaps"], verbs: ["create", "update", "patch", "delete"] },

  fold(event, s) {
    const ref = event.objectRef;
    if (!ref || ref.namespace !== s.namespace || !s.configMaps.includes(ref.name) || !isAllowed(event)) return undefined;
    const high = s.coreConfigMaps.includes(ref.name) || event.verb === "delete";
    return {
      key: [event.user.username, `configmaps/${ref.namespace}/${ref.name}`],
      items: { change: event.verb, high: high ? event.auditId : undefined },
      evidence: { directive: directivesOf(field(event.requestObject, "data") ?? field(event.responseObject, "data"), s.redirectingPlugins) },
    };
  },

  evaluate(state) {
    const [, target = ""] = state.key;
    const [, namespace = "", name = ""] = target.split("/");
    const severity: Severity = state.count("high") > 0 ? "High" : "Medium";
    const changes = state.itemsOf("change");
    const verbs = changes
      .map(pastTense)
      .filter((v, i, all) => all.indexOf(v) === i)
      .join(" and ");
    const directives = state.evidenceOf("directive");
    const actor = actorName(state.actor);
    const mitre = changes.every((v) => v === "delete")
      ? { tactics: ["Impact"], techniques: ["T1565.001"] }
      : { tactics: ["CredentialAccess", "Collection", "Impact"], techniques: ["T1557", "T1565.001"] };
    return {
      severity,
      mitre,
      title: `${actor} ${verbs} DNS ConfigMap ${namespace}/${printable(name)}${
        directives.length
          ? ` (${listForProse(
              directives.map((d) => printable(d, 80)),
              2,
            )})`
          : ""
      }`,
      description:
        `${actor} ${verbs} the cluster DNS configuration ${namespace}/${printable(name)}.` +
        (directives.length
          ? ` It now has ${listForProse(
              directives.map((d) => `\`${printable(d, 160)}\``),
              6,
            )}.`
          : " The event carried no body, so the new configuration is unknown.") +
        " Every pod resolves service and external names through it.",
      evidence: { changes, directives, configMap: target },
      qualifyingEvents: 1,
    };
  },
});

/** Corefile lines that use a redirecting plugin, from every value of the ConfigMap's data (`*.server`, `*.override`, Corefile). */
function directivesOf(data: unknown, plugins: readonly string[]): string[] {
  if (data === null || typeof data !== "object" || Array.isArray(data)) return [];
  const out: string[] = [];
  for (const value of Object.values(data)) {
    if (typeof value !== "string") continue;
    const lines = value.split(/\r?\n/).map((l) => l.trim());
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i] ?? "";
      if (!plugins.includes(line.split(/[\s{]/)[0] ?? "")) continue;
      // A plugin with a block (`hosts {`): its entries are what redirects, so they come along.
      let directive = line;
      if (line.endsWith("{")) {
        const block: string[] = [];
        while (++i < lines.length && lines[i] !== "}") if (lines[i]) block.push(lines[i] as string);
        directive = `${line} ${block.join("; ")} }`;
      }
      out.push(directive.replace(/\s+/g, " ").slice(0, 200));
    }
  }
  return out.slice(0, 20);
}
