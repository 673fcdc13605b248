/**
 * rbac-binding-change — creation, change or deletion of RoleBindings and ClusterRoleBindings, and any
 * RBAC object written by a service account. High when the binding grants a powerful role or names
 * anonymous / all-authenticated subjects; a sensitive role given to a ServiceAccount, or RBAC written by
 * a workload's identity, is at least Medium. Bindings and roles seen earlier are remembered, so a patch
 * or delete logged without a body is still described.
 */
import { z } from "zod";
import { baseSettings, defineDetection, type RememberedFacts, type Severity } from "../pipeline/detect/detection.js";
import { matcherFor } from "../pipeline/detect/patterns.js";
import { isAllowed } from "../pipeline/normalize/auditEvent.js";
import { actorName, asArray, asString, listForProse, maxSeverity, pastTense, printable } from "./lib/k8s.js";
import {
  analyzeRules,
  BINDING_RESOURCES,
  type BindingFacts,
  kindOf,
  objectKey,
  RBAC_RESOURCES,
  readBinding,
  reasonsOf,
  roleKey,
  rulesOf,
  subjectsOf,
  WRITE_VERBS,
} from "./lib/rbac.js";
import { AKS_PLATFORM_IDENTITIES } from "./lib/identity.js";

const settings = baseSettings({
  windowMinutes: 60,
  // AKS reconciles its own bindings; the API server bootstraps the default ones.
  // The namespace controller deletes every binding of a namespace being deleted, by deletecollection.
  allowActors: [...AKS_PLATFORM_IDENTITIES, "system:apiserver", "system:serviceaccount:kube-system:namespace-controller"],
}).extend({
  /** Roles whose grant is High whatever the subject. */
  powerfulRoles: z.array(z.string()).default(["cluster-admin", "admin", "system:aggregate-to-admin", "system:kube-controller-manager"]),
  /** Roles that reach secrets, exec or workloads; granting one to a ServiceAccount is at least Medium. */
  sensitiveRoles: z.array(z.string()).default(["edit", "system:aggregate-to-edit"]),
  /** Subjects whose grant is High whatever the role: everyone, or no one in particular. */
  riskySubjects: z.array(z.string()).default(["Group/system:masters", "User/system:anonymous", "Group/system:unauthenticated", "Group/system:authenticated"]),
  /** Report RBAC objects (roles too) written by service accounts (Elastic's "Service Account Modified RBAC Objects"). */
  reportServiceAccountWriters: z.boolean().default(true),
  /** Service accounts whose RBAC writes are the control plane's own: aggregation, garbage collection, namespace deletion. */
  ignoreServiceAccountWriters: z
    .array(z.string())
    .default([
      "system:serviceaccount:kube-system:clusterrole-aggregation-controller",
      "system:serviceaccount:kube-system:generic-garbage-collector",
      "system:serviceaccount:kube-system:namespace-controller",
    ]),
});

type Settings = z.infer<typeof settings>;

const BINDINGS = new Set(BINDING_RESOURCES);

export const rbacBindingChange = defineDetection<Settings>({
  id: "rbac-binding-change",
  title: "Role binding created, changed or deleted",
  description:
    "A RoleBinding or ClusterRoleBinding was created, changed or deleted, or a service account wrote an RBAC object. Binding a powerful role, binding any role to anonymous or all authenticated users, or a workload's identity editing RBAC is how attackers keep and widen access.",
  mitre: { tactics: ["Persistence", "PrivilegeEscalation"], techniques: ["T1098.006", "T1078.004"] },
  status: "stable",
  severityLogic:
    "High when the binding grants a powerful role (`powerfulRoles`, or a role remembered to hold `*`, escalate, bind or impersonate) or names a risky subject (`riskySubjects`), Medium when such a binding is only deleted; at least Medium when a service account wrote the object (roles included) or a sensitive role (`sensitiveRoles`, or rules reaching secrets, exec, tokens, nodes/proxy or RBAC) goes to a ServiceAccount; otherwise Medium for ClusterRoleBindings and Low for RoleBindings and deletions.",
  runbook: [
    "Read Evidence.roleRef and Evidence.subjects: who gained what, and where; Evidence.writtenByServiceAccount says a workload's identity made the change.",
    "If nobody expected the change, delete the binding (`kubectl delete clusterrolebinding <name>`) and revoke the subject's credentials; for a ServiceAccount, also delete the pods running as it.",
    "Look for privilege-granted-then-used incidents for the same subject: a grant followed by use is an intrusion in progress.",
  ],
  catalogueRows: [49, 50, 51, 52],
  settings,
  select: { resources: RBAC_RESOURCES, verbs: WRITE_VERBS },

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
        const rules = rulesOf(event);
        if (!rules) return undefined;
        const findings = analyzeRules(rules.rules);
        // A JSON patch adds to the rules the role had: keep what was known of them.
        const before = rules.from === "patch" ? recall(objectKey(event)) : undefined;
        return {
          object: objectKey(event),
          facts: {
            dangerous: union(strings(before?.dangerous), reasonsOf(findings, "powerful")),
            sensitive: union(strings(before?.sensitive), reasonsOf(findings, "sensitive")),
          },
        };
      }
      const binding = readBinding(event.responseObject, ref.namespace) ?? readBinding(event.requestObject, ref.namespace);
      if (!binding) return undefined;
      const role = recall(roleKey(binding.roleKind, ref.namespace, binding.roleName));
      return {
        object: objectKey(event),
        facts: { ...binding, roleDangerous: strings(role?.dangerous), roleSensitive: strings(role?.sensitive) },
      };
    },
  },

  fold(event, s, recall) {
    const ref = event.objectRef;
    if (!ref || !isAllowed(event)) return undefined;
    const username = event.user.username;
    const byServiceAccount = s.reportServiceAccountWriters && event.actorType === "serviceaccount" && !matcherFor(s.ignoreServiceAccountWriters)(username);
    const change = `${event.verb} ${ref.resource}/${ref.namespace ? `${ref.namespace}/` : ""}${ref.name}`;
    const key = [username, `${ref.resource}/${ref.namespace}/${ref.name}`];
    if (!BINDINGS.has(ref.resource)) {
      if (!byServiceAccount) return undefined;
      const rules = rulesOf(event);
      const findings = rules ? analyzeRules(rules.rules) : [];
      return {
        key,
        items: { change: event.verb, serviceAccountWrite: event.auditId },
        evidence: { change, rule: findings.filter((f) => f.tier !== "write").map((f) => f.reason) },
      };
    }
    const remembered = recall(objectKey(event));
    const binding = readBinding(event.responseObject, ref.namespace) ?? readBinding(event.requestObject, ref.namespace) ?? fromFacts(remembered);
    const patchedSubjects = event.verb === "patch" ? subjectsOf(event.requestObject, ref.namespace) : [];
    const role = binding ? recall(roleKey(binding.roleKind, ref.namespace, binding.roleName)) : undefined;
    const roleDangerous = [...strings(role?.dangerous), ...strings(remembered?.roleDangerous)];
    const roleSensitive = [...strings(role?.sensitive), ...strings(remembered?.roleSensitive)];
    const subjects = binding ? [...binding.subjects, ...patchedSubjects] : patchedSubjects;
    return {
      key,
      items: {
        change: event.verb,
        dangerousRule: roleDangerous,
        sensitiveRule: roleSensitive,
        serviceAccountWrite: byServiceAccount ? event.auditId : undefined,
      },
      evidence: { change, roleRef: binding ? `${binding.roleKind}/${binding.roleName}` : undefined, subject: subjects },
    };
  },

  evaluate(state, s) {
    const [, target = ""] = state.key;
    const [resource = "", namespace = "", name = ""] = target.split("/");
    const changes = state.itemsOf("change");
    const actor = actorName(state.actor);
    const verbs = changes
      .map(pastTense)
      .filter((v, i, all) => all.indexOf(v) === i)
      .join(" and ");
    const kind = kindOf(resource);
    const where = namespace ? ` in ${namespace}` : "";
    const writtenByServiceAccount = state.count("serviceAccountWrite") > 0;
    if (!BINDINGS.has(resource)) {
      const rules = state.evidenceOf("rule");
      const grants = rules.length ? ` granting ${listForProse(rules, 4)}` : "";
      return {
        severity: "Medium",
        mitre: { tactics: ["Persistence", "PrivilegeEscalation"], techniques: ["T1098.006"] },
        title: `Service account ${actor} ${verbs} ${kind} ${printable(name)}${where}${grants}`,
        description:
          `The service account ${actor} ${verbs} ${kind} ${printable(name)}${where}${grants}. ` +
          "Workload identities rarely edit RBAC; when one does outside a known operator, its token may be in an attacker's hands.",
        evidence: { changes, rules, writtenByServiceAccount, role: target },
        qualifyingEvents: 1,
      };
    }
    const roleRefs = state.evidenceOf("roleRef");
    const subjects = state.evidenceOf("subject");
    const dangerousRules = state.itemsOf("dangerousRule");
    const sensitiveRules = state.itemsOf("sensitiveRule");
    const roleNames = roleRefs.map((r) => r.slice(r.indexOf("/") + 1));
    const powerfulRole = roleNames.some((r) => s.powerfulRoles.includes(r)) || dangerousRules.length > 0;
    const sensitiveRole = roleNames.some((r) => s.sensitiveRoles.includes(r)) || sensitiveRules.length > 0;
    const riskySubjects = subjects.filter((subject) => s.riskySubjects.includes(subject));
    const serviceAccounts = subjects.filter((subject) => subject.startsWith("ServiceAccount/"));
    const serviceAccountGrant = serviceAccounts.length > 0 && (powerfulRole || sensitiveRole);
    const onlyDeletes = changes.every((verb) => verb === "delete" || verb === "deletecollection");
    let severity: Severity = resource === "clusterrolebindings" ? "Medium" : "Low";
    if (powerfulRole || riskySubjects.length) severity = onlyDeletes ? "Medium" : "High";
    else if (onlyDeletes) severity = "Low";
    if (writtenByServiceAccount || (serviceAccountGrant && !onlyDeletes)) severity = maxSeverity(severity, "Medium");
    const grant = roleRefs.length ? ` granting ${roleRefs.join(", ")}` : "";
    const to = subjects.length ? ` to ${listForProse(subjects.map((x) => printable(x, 120)))}` : "";
    const who = writtenByServiceAccount ? `Service account ${actor}` : actor;
    return {
      severity,
      title: `${who} ${verbs} ${kind} ${printable(name)}${where}${grant}${to}`,
      description:
        `${who} ${verbs} ${kind} ${printable(name)}${where}${grant}${to}.` +
        (powerfulRole ? ` The role is powerful${dangerousRules.length ? ` (${dangerousRules.join(", ")})` : ""}.` : "") +
        (!powerfulRole && sensitiveRole ? ` The role is sensitive${sensitiveRules.length ? ` (${sensitiveRules.join(", ")})` : ""}.` : "") +
        (serviceAccountGrant
          ? ` It goes to ${listForProse(serviceAccounts)}: any pod running as that service account, or anyone holding one of its tokens, now has the role.`
          : "") +
        (riskySubjects.length ? ` ${riskySubjects.join(", ")} means anyone who can reach the API server, or every identity, holds the grant.` : "") +
        (writtenByServiceAccount ? " A service account made the change: check which workload runs as it." : "") +
        (roleRefs.length ? "" : " The audit event carried no body and the binding was not seen before, so its role is unknown."),
      evidence: {
        changes,
        roleRef: roleRefs,
        subjects,
        powerfulRole,
        sensitiveRole,
        riskySubjects,
        dangerousRules,
        sensitiveRules,
        serviceAccountSubjects: serviceAccounts,
        writtenByServiceAccount,
        binding: target,
      },
      qualifyingEvents: 1,
    };
  },
});

function strings(value: unknown): string[] {
  return asArray(value).map(asString);
}

function union(a: readonly string[], b: readonly string[]): string[] {
  return [...new Set([...a, ...b])].sort();
}

function fromFacts(facts: RememberedFacts | undefined): BindingFacts | undefined {
  if (!facts || typeof facts.roleName !== "string") return undefined;
  return { roleKind: asString(facts.roleKind), roleName: facts.roleName, subjects: strings(facts.subjects) };
}
