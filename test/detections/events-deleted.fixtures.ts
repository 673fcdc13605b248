import { type DetectionFixture, ev, user } from "./fixture.js";

const event = (namespace: string, name: string, apiGroup?: string) => ({
  verb: "delete",
  resource: "events",
  namespace,
  name,
  ...(apiGroup ? { apiGroup } : {}),
});
const many = (count: number, actor: ReturnType<typeof user>, namespace = "payments") =>
  Array.from({ length: count }, (_, i) => ev(i * 2, { ...actor, ...event(namespace, `api-0.17f3a9c2b${String(i).padStart(5, "0")}`) }));

export const positive: DetectionFixture[] = [
  {
    name: "a person deleting one event (core API, logged at Metadata level) is Medium",
    events: [ev(0, { ...user("mallory@contoso.com"), ...event("payments", "api-0.17f3a9c2b1e4d5a6") })],
    incidents: [
      {
        severity: "Medium",
        actor: "mallory@contoso.com",
        titleIncludes: ["mallory@contoso.com deleted 1 event in payments"],
        evidence: { deletedEvents: 1, namespaces: ["payments"] },
      },
    ],
  },
  {
    name: "events.k8s.io events count the same",
    events: [ev(0, { ...user("mallory@contoso.com"), ...event("web", "frontend-0.17f3a9c2b1e4d5a6", "events.k8s.io") })],
    incidents: [{ severity: "Medium", targets: ["events/web/frontend-0.17f3a9c2b1e4d5a6"] }],
  },
  {
    name: "nine deletions in the window stay Medium, in one incident",
    events: many(9, user("mallory@contoso.com")),
    incidents: [{ severity: "Medium", eventCount: 9, evidence: { deletedEvents: 9 } }],
  },
  {
    name: "ten deletions (kubectl delete events --all deletes one by one) are a purge: High",
    events: many(10, user("mallory@contoso.com")),
    incidents: [{ severity: "High", eventCount: 10 }],
  },
  {
    name: "a deletecollection of a namespace's events is High at once",
    events: [ev(0, { ...user("mallory@contoso.com"), verb: "deletecollection", resource: "events", namespace: "kube-system", level: "Request" })],
    incidents: [{ severity: "High", titleIncludes: ["deleted every event of kube-system"], evidence: { purgedNamespaces: ["kube-system"] } }],
  },
  {
    name: "a workload's service account deleting events (a stolen pod token) is reported",
    events: [
      ev(0, {
        username: "system:serviceaccount:web:frontend",
        groups: ["system:serviceaccounts", "system:serviceaccounts:web", "system:authenticated"],
        sourceIP: "10.244.1.23",
        ...event("web", "frontend-0.17f3a9c2b1e4d5a6"),
      }),
    ],
    incidents: [{ severity: "Medium", actor: "system:serviceaccount:web:frontend" }],
  },
  {
    name: "the threshold comes from the config",
    config: { "events-deleted": { manyDeletes: 3 } },
    events: many(3, user("mallory@contoso.com")),
    incidents: [{ severity: "High" }],
  },
];

export const negative: DetectionFixture[] = [
  {
    name: "the namespace controller emptying a deleted namespace (kube-system service account)",
    events: [
      ev(0, {
        username: "system:serviceaccount:kube-system:namespace-controller",
        groups: ["system:serviceaccounts", "system:serviceaccounts:kube-system", "system:authenticated"],
        verb: "deletecollection",
        resource: "events",
        namespace: "feature-x",
        level: "Request",
      }),
    ],
    incidents: [],
  },
  {
    name: "control-plane and AKS identities are not selected",
    events: [
      ev(0, { username: "system:kube-controller-manager", groups: ["system:authenticated"], ...event("default", "node-1.17f3") }),
      ev(1, { username: "aksService", groups: ["system:masters", "system:authenticated"], ...event("kube-system", "coredns.17f3") }),
    ],
    incidents: [],
  },
  {
    name: "a refused delete, and the creates and patches every component sends",
    events: [
      ev(0, { ...user("eve@contoso.com"), ...event("payments", "api-0.17f3"), code: 403 }),
      ev(1, { ...user("eve@contoso.com"), ...event("payments", "api-0.17f4"), verb: "create" }),
      ev(2, { ...user("eve@contoso.com"), ...event("payments", "api-0.17f5"), verb: "patch" }),
    ],
    incidents: [],
  },
  {
    name: "a cleanup job allowlisted in the config",
    config: { "events-deleted": { allowActors: ["system:serviceaccount:ops:event-pruner"] } },
    events: [ev(0, { username: "system:serviceaccount:ops:event-pruner", groups: ["system:serviceaccounts"], ...event("payments", "api-0.17f3") })],
    incidents: [],
  },
];
