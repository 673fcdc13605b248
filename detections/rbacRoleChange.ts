/**
 * rbac-role-change — Roles and ClusterRoles written to grant more than they should: wildcards,
 * escalate / bind / impersonate, or sensitive reach (secrets, exec, tokens, nodes/proxy, RBAC writes),
 * write verbs in general (lower), and built-in `system:*` roles modified or deleted. The rules are read
 * from the response when it is logged, so an existing role patched to a wildcard is seen whole.
 */
import { z } from "zod";
import { baseSettings, defineDetection, type MitreMapping, type Severity } from "../pipeline/detect/detection.js";
import { matcherFor } from "../pipeline/detect/patterns.js";
import { isAllowed } from "../pipeline/normalize/auditEvent.js";
import { actorName, listForProse, maxSeverity, pastTense, printable } from "./lib/k8s.js";
import { aggregationTargets, analyzeRules, kindOf, reasonsOf, ROLE_RESOURCES, rulesOf, WRITE_VERBS } from "./lib/rbac.js";
import { AKS_PLATFORM_IDENTITIES } from "./lib/identity.js";

const settings = baseSettings({
  windowMinutes: 60,
  // AKS's own identities, the API server reconciling bootstrap roles, and kube-system controllers: the
  // clusterrole-aggregation-controller rewrites admin, edit, view and every aggregated role constantly.
  allowActors: [
    ...AKS_PLATFORM_IDENTITIES,
    "system:apiserver",
    "system:kube-controller-manager",
    "system:serviceaccount:kube-system:clusterrole-aggregation-controller",
    "system:serviceaccount:kube-system:*",
  ],
}).extend({
  /** Role names that are built in; modifying or deleting one is High (same pattern syntax as allowActors). */
  systemRoles: z.array(z.string()).default(["system:*"]),
  /** Built-in roles that add-ons are expected to edit (Falco's exceptions). */
  ignoreSystemRoles: z.array(z.string()).default(["system:coredns", "system:managed-certificate-controller"]),
  /** Report roles whose only notable rules are write verbs (Low). */
  reportWriteRoles: z.boolean().default(true),
});

type Settings = z.infer<typeof settings>;

const VARIANTS = {
  wildcard: { severity: "High", techniques: ["T1098.006", "T1078.004"], text: "wildcard" },
  escalation: { severity: "High", techniques: ["T1098.006"], text: "escalate, bind or impersonate" },
  system: { severity: "High", techniques: ["T1098.006", "T1078.004"], text: "built-in system role" },
  sensitive: { severity: "Medium", techniques: ["T1098.006"], text: "sensitive reach" },
  write: { severity: "Low", techniques: ["T1098.006"], text: "write verbs" },
} as const satisfies Record<string, { severity: Severity; techniques: readonly string[]; text: string }>;
type Variant = keyof typeof VARIANTS;
const VARIANT_ORDER = Object.keys(VARIANTS) as Variant[];

const DELETES = new Set(["delete", "deletecollection"]);

export const rbacRoleChange = defineDetection<Settings>({
  id: "rbac-role-change",
  title: "Role or ClusterRole granting dangerous rights",
  description:
    "A Role or ClusterRole was created or changed to grant wildcards, escalate / bind / impersonate, or reach secrets, exec, service-account tokens, nodes/proxy or RBAC itself; or a built-in system role was modified or deleted. Attackers who can write RBAC make themselves a role first and bind it second.",
  mitre: { tactics: ["Persistence", "PrivilegeEscalation"], techniques: ["T1098.006", "T1078.004"] },
  status: "stable",
  severityLogic:
    "High for wildcard verbs or resources, escalate / bind / impersonate, or any update, patch or delete of a `systemRoles` role; Medium for sensitive reach (secrets reads, exec, attach, tokens, nodes/proxy, DaemonSet or RBAC writes); Low for other write verbs (`reportWriteRoles`); one step higher when the role's `aggregate-to-*` labels feed its rules into admin, edit or view.",
  runbook: [
    "Read Evidence.rules: what the role grants; `kubectl get clusterrole <name> -o yaml` (or `role -n <ns>`) shows it now.",
    "Find who can use it: `kubectl get clusterrolebindings,rolebindings -A -o wide | grep <name>`, and the rbac-binding-change incidents that follow.",
    "If the change was not planned, restore the role from source control (built-in roles: `kubectl auth reconcile` or let the API server re-create them on restart) and review the actor's other changes.",
  ],
  catalogueRows: [54, 55, 56, 57, 58],
  settings,
  select: { resources: ROLE_RESOURCES, verbs: WRITE_VERBS },

  fold(event, s) {
    const ref = event.objectRef;
    if (!ref?.name || !isAllowed(event)) return undefined;
    const variants: Variant[] = [];
    const isSystem = matcherFor(s.systemRoles)(ref.name) && !matcherFor(s.ignoreSystemRoles)(ref.name);
    if (isSystem && event.verb !== "create") variants.push("system");
    const rules = DELETES.has(event.verb) ? undefined : rulesOf(event);
    const findings = rules ? analyzeRules(rules.rules) : [];
    const powerful = reasonsOf(findings, "powerful");
    const sensitive = reasonsOf(findings, "sensitive");
    const writes = s.reportWriteRoles ? reasonsOf(findings, "write") : [];
    if (powerful.some((r) => r === "verb *" || r === "resource *")) variants.push("wildcard");
    if (powerful.some((r) => r !== "verb *" && r !== "resource *")) variants.push("escalation");
    if (sensitive.length) variants.push("sensitive");
    if (writes.length) variants.push("write");
    if (variants.length === 0) return undefined;
    return {
      key: [event.user.username, `${ref.resource}/${ref.namespace}/${ref.name}`],
      items: { change: event.verb, variant: variants, aggregatesInto: aggregationTargets(event) },
      evidence: {
        rule: [...powerful, ...sensitive, ...writes],
        rulesFrom: rules ? rules.from : DELETES.has(event.verb) ? undefined : "unknown (no body logged)",
      },
    };
  },

  evaluate(state) {
    const [, target = ""] = state.key;
    const [resource = "", namespace = "", name = ""] = target.split("/");
    const variants = VARIANT_ORDER.filter((v) => state.itemsOf("variant").includes(v));
    if (variants.length === 0) return undefined;
    const changes = state.itemsOf("change");
    const rules = state.evidenceOf("rule");
    const aggregatesInto = state.itemsOf("aggregatesInto");
    let severity = variants.map((v): Severity => VARIANTS[v].severity).reduce(maxSeverity);
    if (aggregatesInto.length && rules.length) severity = severity === "Low" ? "Medium" : "High";
    const mitre: MitreMapping = {
      tactics: ["Persistence", "PrivilegeEscalation"],
      techniques: [...new Set(variants.flatMap((v) => VARIANTS[v].techniques))],
    };
    const actor = actorName(state.actor);
    const verbs = changes
      .map(pastTense)
      .filter((v, i, all) => all.indexOf(v) === i)
      .join(" and ");
    const kind = `${variants.includes("system") ? "system " : ""}${kindOf(resource)}`;
    const where = namespace ? ` in ${namespace}` : "";
    const grants = rules.length ? ` granting ${listForProse(rules, 4)}` : "";
    const onlyDeletes = changes.every((verb) => DELETES.has(verb));
    return {
      severity,
      mitre,
      title: `${actor} ${verbs} ${kind} ${printable(name)}${where}${onlyDeletes ? "" : grants}`,
      description:
        `${actor} ${verbs} ${kind} ${printable(name)}${where}${onlyDeletes ? "" : grants} (${variants.map((v) => VARIANTS[v].text).join("; ")}).` +
        (variants.includes("system")
          ? " Built-in roles are what the control plane, nodes and controllers run with: changing one changes what they, or whoever holds them, can do; deleting one can break them."
          : "") +
        (aggregatesInto.length ? ` Its aggregate-to labels add these rules to ${aggregatesInto.join(", ")}, and so to everyone bound to those roles.` : "") +
        (state.evidenceOf("rulesFrom").some((f) => f.startsWith("unknown")) ? " Some changes were logged without a body, so their rules are unknown." : ""),
      evidence: { changes, variants, rules, aggregatesInto, rulesFrom: state.evidenceOf("rulesFrom"), role: target },
      qualifyingEvents: 1,
    };
  },
});
