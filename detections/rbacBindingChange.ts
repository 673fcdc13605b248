/**
 * rbac-binding-change — creation, change or deletion of RoleBindings and ClusterRoleBindings. High when
 * the binding grants a powerful role or names anonymous / all-authenticated subjects. Bindings and roles
 * seen earlier are remembered, so a patch or delete logged without a body is still described.
 */
import { z } from "zod";
import { baseSettings, defineDetection, type RememberedFacts, type Severity } from "../pipeline/detect/detection.js";
import type { AuditEvent } from "../pipeline/normalize/auditEvent.js";
import { isAllowed } from "../pipeline/normalize/auditEvent.js";
import { asArray, asString, field, listForProse, printable } from "./lib/k8s.js";

const settings = baseSettings({
  windowMinutes: 60,
  // AKS reconciles its own bindings; the API server bootstraps the default ones.
  allowActors: ["aksService", "hcpService", "acsService", "aks-service", "system:apiserver"],
}).extend({
  /** Roles whose grant is High whatever the subject. */
  powerfulRoles: z.array(z.string()).default(["cluster-admin", "admin", "system:aggregate-to-admin"]),
  /** Subjects whose grant is High whatever the role: everyone, or no one in particular. */
  riskySubjects: z.array(z.string()).default(["Group/system:masters", "User/system:anonymous", "Group/system:unauthenticated", "Group/system:authenticated"]),
});

type Settings = z.infer<typeof settings>;

const BINDINGS = new Set(["rolebindings", "clusterrolebindings"]);
const WRITE_VERBS = ["create", "update", "patch", "delete", "deletecollection"];
const DANGEROUS_VERBS = new Set(["*", "escalate", "bind", "impersonate"]);
const VERB_PROSE: Readonly<Record<string, string>> = { create: "created", update: "updated", patch: "patched", delete: "deleted", deletecollection: "deleted" };

export const rbacBindingChange = defineDetection<Settings>({
  id: "rbac-binding-change",
  title: "Role binding created, changed or deleted",
  description:
    "A RoleBinding or ClusterRoleBinding was created, changed or deleted. Binding a powerful role, or binding any role to anonymous or all authenticated users, is how attackers keep and widen access.",
  mitre: { tactics: ["Persistence", "PrivilegeEscalation"], techniques: ["T1098.006", "T1078.004"] },
  status: "stable",
  severityLogic:
    "High when the binding grants a powerful role (`powerfulRoles`, or a role remembered to hold `*`, escalate, bind or impersonate) or names a risky subject (`riskySubjects`), Medium when such a binding is only deleted; otherwise Medium for ClusterRoleBindings and Low for RoleBindings and deletions.",
  runbook: [
    "Read Evidence.roleRef and Evidence.subjects: who gained what, and where.",
    "If nobody expected the change, delete the binding (`kubectl delete clusterrolebinding <name>`) and revoke the subject's credentials.",
    "Look for privilege-granted-then-used incidents for the same subject: a grant followed by use is an intrusion in progress.",
  ],
  catalogueRows: [49, 50, 51, 52],
  settings,
  select: { resources: ["rolebindings", "clusterrolebindings", "roles", "clusterroles"], verbs: WRITE_VERBS },

  memory: {
    ttlDays: 90,
    keys(event) {
      const keys = [objectKey(event)];
      const roleRef = readBinding(event.responseObject) ?? readBinding(event.requestObject);
      if (roleRef) keys.push(roleKey(roleRef.roleKind, event.objectRef?.namespace ?? "", roleRef.roleName));
      return keys;
    },
    remember(event, recall) {
      const ref = event.objectRef;
      if (!ref || !isAllowed(event) || event.verb === "delete" || event.verb === "deletecollection") return undefined;
      if (!BINDINGS.has(ref.resource)) {
        const rules = asArray(field(event.responseObject, "rules")).length ? field(event.responseObject, "rules") : field(event.requestObject, "rules");
        const reasons = dangerousRules(rules);
        return Array.isArray(rules) ? { object: objectKey(event), facts: { dangerous: reasons } } : undefined;
      }
      const binding = readBinding(event.responseObject) ?? readBinding(event.requestObject);
      if (!binding) return undefined;
      const role = recall(roleKey(binding.roleKind, ref.namespace, binding.roleName));
      return { object: objectKey(event), facts: { ...binding, roleDangerous: asArray(role?.dangerous).map(asString) } };
    },
  },

  fold(event, _s, recall) {
    const ref = event.objectRef;
    if (!ref || !BINDINGS.has(ref.resource) || !isAllowed(event)) return undefined;
    const remembered = recall(objectKey(event));
    const binding = readBinding(event.responseObject) ?? readBinding(event.requestObject) ?? fromFacts(remembered);
    const patchedSubjects = event.verb === "patch" ? subjectsOf(event.requestObject) : [];
    const role = binding ? recall(roleKey(binding.roleKind, ref.namespace, binding.roleName)) : undefined;
    const roleDangerous = [...asArray(role?.dangerous).map(asString), ...asArray(remembered?.roleDangerous).map(asString)];
    return {
      key: [event.user.username, `${ref.resource}/${ref.namespace}/${ref.name}`],
      items: { change: event.verb, dangerousRule: roleDangerous },
      evidence: {
        change: `${event.verb} ${ref.resource}/${ref.namespace ? `${ref.namespace}/` : ""}${ref.name}`,
        roleRef: binding ? `${binding.roleKind}/${binding.roleName}` : undefined,
        subject: binding ? [...binding.subjects, ...patchedSubjects] : patchedSubjects,
      },
    };
  },

  evaluate(state, s) {
    const [, target = ""] = state.key;
    const [resource = "", namespace = "", name = ""] = target.split("/");
    const changes = state.itemsOf("change");
    const roleRefs = state.evidenceOf("roleRef");
    const subjects = state.evidenceOf("subject");
    const dangerousRules = state.itemsOf("dangerousRule");
    const powerfulRole = roleRefs.some((r) => s.powerfulRoles.includes(r.slice(r.indexOf("/") + 1))) || dangerousRules.length > 0;
    const riskySubjects = subjects.filter((subject) => s.riskySubjects.includes(subject));
    const onlyDeletes = changes.every((verb) => verb === "delete" || verb === "deletecollection");
    let severity: Severity = resource === "clusterrolebindings" ? "Medium" : "Low";
    if (powerfulRole || riskySubjects.length) severity = onlyDeletes ? "Medium" : "High";
    else if (onlyDeletes) severity = "Low";
    const actor = printable(state.actor);
    const verbs = changes
      .map((verb) => VERB_PROSE[verb] ?? verb)
      .filter((v, i, all) => all.indexOf(v) === i)
      .join(" and ");
    const kind = resource === "clusterrolebindings" ? "ClusterRoleBinding" : "RoleBinding";
    const where = namespace ? ` in ${namespace}` : "";
    const grant = roleRefs.length ? ` granting ${roleRefs.join(", ")}` : "";
    const to = subjects.length ? ` to ${listForProse(subjects.map((x) => printable(x, 120)))}` : "";
    return {
      severity,
      title: `${actor} ${verbs} ${kind} ${printable(name)}${where}${grant}${to}`,
      description:
        `${actor} ${verbs} ${kind} ${printable(name)}${where}${grant}${to}.` +
        (powerfulRole ? ` The role is powerful${dangerousRules.length ? ` (${dangerousRules.join(", ")})` : ""}.` : "") +
        (riskySubjects.length ? ` ${riskySubjects.join(", ")} means anyone who can reach the API server, or every identity, holds the grant.` : "") +
        (roleRefs.length ? "" : " The audit event carried no body and the binding was not seen before, so its role is unknown."),
      evidence: { changes, roleRef: roleRefs, subjects, powerfulRole, riskySubjects, dangerousRules, binding: target },
      qualifyingEvents: 1,
    };
  },
});

interface BindingFacts {
  readonly roleKind: string;
  readonly roleName: string;
  readonly subjects: readonly string[];
}

function readBinding(body: unknown): BindingFacts | undefined {
  const roleName = asString(field(body, "roleRef", "name"));
  if (!roleName) return undefined;
  return { roleKind: asString(field(body, "roleRef", "kind")) || "ClusterRole", roleName, subjects: subjectsOf(body) };
}

function subjectsOf(body: unknown): string[] {
  return asArray(field(body, "subjects")).map((subject) => {
    const kind = asString(field(subject, "kind"));
    const name = asString(field(subject, "name"));
    const namespace = asString(field(subject, "namespace"));
    return kind === "ServiceAccount" ? `ServiceAccount/${namespace}/${name}` : `${kind}/${name}`;
  });
}

function fromFacts(facts: RememberedFacts | undefined): BindingFacts | undefined {
  if (!facts || typeof facts.roleName !== "string") return undefined;
  return { roleKind: asString(facts.roleKind), roleName: facts.roleName, subjects: asArray(facts.subjects).map(asString) };
}

function objectKey(event: AuditEvent): string {
  const ref = event.objectRef;
  return ref ? `${ref.resource}/${ref.namespace}/${ref.name}` : "";
}

function roleKey(kind: string, namespace: string, name: string): string {
  return kind === "Role" ? `roles/${namespace}/${name}` : `clusterroles//${name}`;
}

/** Why a role's rules make it powerful: wildcards, or verbs that grant more than they name. */
function dangerousRules(rules: unknown): string[] {
  const reasons = new Set<string>();
  for (const rule of asArray(rules)) {
    for (const verb of asArray(field(rule, "verbs")).map(asString)) if (DANGEROUS_VERBS.has(verb)) reasons.add(`verb ${verb}`);
    for (const resource of asArray(field(rule, "resources")).map(asString)) if (resource === "*") reasons.add("resource *");
  }
  return [...reasons].sort();
}
