/**
 * The two benchmark mixes of shared/research/performance.md §3, built from the audit-event builders in
 * auditRecords.ts: a kube-audit mix (80% small Metadata get, 15% medium RequestResponse eviction or
 * update, 5% large pod create) and a kube-audit-admin mix (70% medium, 30% large; no get or list).
 * A small, realistic share of events is one the core detections select (secret reads, exec, binding
 * changes, anonymous probes), so the benchmark exercises the state path too. Deterministic per seed.
 */
import { aksRecord, auditEvent, DEFAULT_CLUSTER, type EventSpec, eventHubMessage, seededRandom, uuid } from "./auditRecords.js";

export type MixName = "kube-audit" | "kube-audit-admin";
export type Shape = "small" | "medium" | "large";

export interface MixSpec {
  readonly name: MixName;
  /** Share of each event shape; sums to 1. */
  readonly shares: Readonly<Record<Shape, number>>;
}

export const MIXES: Readonly<Record<MixName, MixSpec>> = {
  "kube-audit": { name: "kube-audit", shares: { small: 0.8, medium: 0.15, large: 0.05 } },
  "kube-audit-admin": { name: "kube-audit-admin", shares: { small: 0, medium: 0.7, large: 0.3 } },
};

export interface MixOptions {
  readonly messages: number;
  readonly recordsPerMessage?: number;
  readonly seed?: number;
  /** Event time of the first event, epoch ms. */
  readonly startTime?: number;
  /** Mean event-time gap between events, ms (2 ms ≈ 500 events/s of cluster traffic). */
  readonly meanGapMs?: number;
  readonly resourceId?: string;
}

export interface MixStats {
  readonly events: number;
  readonly byShape: Readonly<Record<Shape, number>>;
  /** Events of the kinds the core detections select (before allowlists). */
  readonly selectable: number;
  /** Mean length of the inner audit event JSON, by shape. */
  readonly meanEventBytes: Readonly<Record<Shape, number>>;
  /** Mean length of a record on the wire (message length ÷ records). */
  readonly meanWireBytesPerRecord: number;
}

export interface Mix {
  readonly spec: MixSpec;
  /** Event Hubs message bodies: `{"records":[…]}` as JSON text. */
  readonly messages: string[];
  readonly stats: MixStats;
}

/** Builds `options.messages` Event Hubs messages of the named mix. */
export function buildMix(name: MixName, options: MixOptions): Mix {
  const spec = MIXES[name];
  const perMessage = options.recordsPerMessage ?? 100;
  const gen = new MixGenerator(spec, options);
  const messages: string[] = [];
  let wire = 0;
  for (let m = 0; m < options.messages; m++) {
    const records: Record<string, unknown>[] = [];
    for (let r = 0; r < perMessage; r++) records.push(aksRecord(gen.next(), { resourceId: options.resourceId ?? DEFAULT_CLUSTER, category: name }));
    const text = eventHubMessage(records);
    wire += text.length;
    messages.push(text);
  }
  const events = options.messages * perMessage;
  const mean = (shape: Shape) => (gen.count[shape] ? Math.round(gen.bytes[shape] / gen.count[shape]) : 0);
  return {
    spec,
    messages,
    stats: {
      events,
      byShape: { ...gen.count },
      selectable: gen.selectable,
      meanEventBytes: { small: mean("small"), medium: mean("medium"), large: mean("large") },
      meanWireBytesPerRecord: events ? Math.round(wire / events) : 0,
    },
  };
}

// ---------------------------------------------------------------------------------------------------
// Cluster population: namespaces, workloads, nodes, service accounts.

const APP_NAMESPACES = ["payments", "checkout", "catalog", "search", "identity", "notifications", "reporting", "web"];
const SYSTEM_SERVICE_ACCOUNTS = [
  "coredns",
  "metrics-server",
  "konnectivity-agent",
  "azure-cns",
  "cloud-node-manager",
  "csi-azuredisk-node-sa",
  "csi-azurefile-node-sa",
  "ama-logs",
  "replicaset-controller",
  "endpointslice-controller",
  "generic-garbage-collector",
];
/** Controllers of the managed kube-controller-manager: it runs outside the cluster, so no pod-bound token. */
const CONTROLLERS = new Set([
  "replicaset-controller",
  "endpointslice-controller",
  "horizontal-pod-autoscaler",
  "generic-garbage-collector",
  "cluster-autoscaler",
]);
const SYSTEM_CONFIGMAPS = [
  "coredns",
  "coredns-custom",
  "kube-root-ca.crt",
  "extension-apiserver-authentication",
  "ama-logs-rs-config",
  "container-azm-ms-agentconfig",
];
const APP_CONFIGMAPS = ["app-config", "feature-flags", "kube-root-ca.crt", "logging-config"];
const APP_SECRETS = ["db-credentials", "api-key", "tls-cert", "registry-pull", "oauth-client", "smtp-password", "signing-key", "webhook-secret"];
const NODE_COUNT = 6;
const SERVICE_ACCOUNT_REPLICAS = 3;
const NODES = Array.from({ length: NODE_COUNT }, (_, i) => `aks-nodepool1-38516731-vmss00000${i}`);
const USERS = ["alice@contoso.com", "bob@contoso.com", "carol@contoso.com"];
const USER_GROUPS = ["5f3b8f0e-9d4c-4c1e-a8a7-1f9d2b3c4d5e", "system:authenticated"];
const KUBECTL = "kubectl/v1.31.2 (linux/amd64) kubernetes/5864a46";

const RBAC_SA = (namespace: string) =>
  `RBAC: allowed by RoleBinding "${namespace}-reader/${namespace}" of Role "${namespace}-reader" to ServiceAccount "app/${namespace}"`;
const RBAC_SYSTEM = (sa: string) =>
  `RBAC: allowed by ClusterRoleBinding "system:controller:${sa}" of ClusterRole "system:controller:${sa}" to ServiceAccount "${sa}/kube-system"`;

interface Actor {
  readonly username: string;
  readonly groups: readonly string[];
  readonly uid: string;
  readonly extra?: Readonly<Record<string, readonly string[]>>;
  readonly sourceIP: string;
  readonly userAgent: string;
}

class MixGenerator {
  readonly count: Record<Shape, number> = { small: 0, medium: 0, large: 0 };
  readonly bytes: Record<Shape, number> = { small: 0, medium: 0, large: 0 };
  selectable = 0;
  private readonly random: () => number;
  private time: number;
  private readonly meanGap: number;
  private podSerial = 0;

  constructor(
    private readonly spec: MixSpec,
    options: MixOptions,
  ) {
    this.random = seededRandom(options.seed ?? 20_250_602);
    this.time = options.startTime ?? Date.UTC(2025, 5, 2, 8, 0, 0);
    this.meanGap = options.meanGapMs ?? 2;
  }

  next(): Record<string, unknown> {
    // Exponential gaps, rounded to microseconds: a steady stream with bursts.
    this.time += Math.round(-Math.log(1 - this.random()) * this.meanGap * 1000) / 1000;
    const roll = this.random();
    const { small, medium } = this.spec.shares;
    const shape: Shape = roll < small ? "small" : roll < small + medium ? "medium" : "large";
    const event = shape === "small" ? this.small() : shape === "medium" ? this.medium() : this.large();
    this.count[shape]++;
    this.bytes[shape] += JSON.stringify(event).length;
    return event;
  }

  // ------------------------------------------------------------------ small: Metadata get, ~1.2 KB

  private small(): Record<string, unknown> {
    const r = this.random();
    if (r < 0.0005) return this.selected(this.anonymousProbe());
    if (r < 0.001) return this.selected(this.exec("get"));
    if (r < 0.011) return this.selected(this.secretGet());
    if (r < 0.35) return this.configMapGet();
    if (r < 0.65) return this.leaseGet();
    if (r < 0.85) return this.podGet();
    return this.endpointSliceList();
  }

  private configMapGet(): Record<string, unknown> {
    const system = this.random() < 0.6;
    const actor = system ? this.systemServiceAccount() : this.appServiceAccount(this.pick(APP_NAMESPACES));
    const namespace = system ? "kube-system" : namespaceOf(actor.username);
    const name = this.pick(system ? SYSTEM_CONFIGMAPS : APP_CONFIGMAPS);
    return this.event(actor, {
      verb: "get",
      resource: "configmaps",
      namespace,
      name,
      reason: system ? RBAC_SYSTEM(shortSa(actor.username)) : RBAC_SA(namespace),
    });
  }

  private leaseGet(): Record<string, unknown> {
    const actor = this.kubelet();
    const node = actor.username.slice("system:node:".length);
    return this.event(actor, {
      verb: "get",
      resource: "leases",
      apiGroup: "coordination.k8s.io",
      namespace: "kube-node-lease",
      name: node,
      requestURI: `/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/${node}?timeout=10s`,
      reason: "",
    });
  }

  private podGet(): Record<string, unknown> {
    const namespace = this.pick(APP_NAMESPACES);
    const kubelet = this.random() < 0.5;
    const actor = kubelet ? this.kubelet() : this.systemServiceAccount();
    return this.event(actor, {
      verb: "get",
      resource: "pods",
      namespace,
      name: this.podName(namespace),
      reason: kubelet ? "" : RBAC_SYSTEM(shortSa(actor.username)),
    });
  }

  private endpointSliceList(): Record<string, unknown> {
    const actor = this.systemServiceAccount();
    const namespace = this.pick(APP_NAMESPACES);
    return this.event(actor, {
      verb: "list",
      resource: "endpointslices",
      apiGroup: "discovery.k8s.io",
      namespace,
      requestURI: `/apis/discovery.k8s.io/v1/namespaces/${namespace}/endpointslices?labelSelector=kubernetes.io%2Fservice-name%3D${namespace}-api&limit=500&resourceVersion=0`,
      reason: RBAC_SYSTEM(shortSa(actor.username)),
    });
  }

  /** Secret reads: mostly routine (kube-system controllers, kubelets, an app reading its own secrets). */
  private secretGet(): Record<string, unknown> {
    const r = this.random();
    let actor: Actor;
    let namespace: string;
    let name = this.pick(APP_SECRETS);
    if (r < 0.5) {
      actor = this.systemServiceAccount();
      namespace = this.pick(APP_NAMESPACES);
    } else if (r < 0.75) {
      actor = this.kubelet();
      namespace = this.pick(APP_NAMESPACES);
    } else if (r < 0.95) {
      namespace = this.pick(APP_NAMESPACES);
      actor = this.appServiceAccount(namespace);
      name = APP_SECRETS[APP_NAMESPACES.indexOf(namespace) % APP_SECRETS.length] as string;
    } else {
      // A CI identity that reads secrets across namespaces: what secret-enumeration is for.
      actor = this.appServiceAccount("ci", "deployer");
      namespace = this.pick(APP_NAMESPACES);
    }
    return this.event(actor, { verb: "get", resource: "secrets", namespace, name, level: "Metadata", reason: RBAC_SA(namespace) });
  }

  private anonymousProbe(): Record<string, unknown> {
    const paths = ["/version", "/healthz", "/api", "/apis", "/api/v1/namespaces", "/api/v1/secrets", "/metrics"];
    const path = this.pick(paths);
    const open = path === "/version" || path === "/healthz";
    return this.event(
      {
        username: "system:anonymous",
        groups: ["system:unauthenticated"],
        uid: "",
        sourceIP: `203.0.113.${1 + Math.floor(this.random() * 20)}`,
        userAgent: "curl/8.5.0",
      },
      { verb: "get", requestURI: path, code: open ? 200 : 403, reason: open ? 'RBAC: allowed by ClusterRoleBinding "system:public-info-viewer"' : "" },
    );
  }

  private exec(verb: "get" | "create"): Record<string, unknown> {
    const namespace = this.pick(APP_NAMESPACES);
    const pod = this.podName(namespace);
    const command = this.pick(["command=sh&command=-c&command=env", "command=%2Fbin%2Fbash", "command=cat&command=%2Fetc%2Fconfig%2Fapp.yaml", "command=ls"]);
    const tty = command.includes("bash") ? "&stdin=true&tty=true" : "";
    return this.event(this.user(), {
      verb,
      resource: "pods",
      subresource: "exec",
      namespace,
      name: pod,
      requestURI: `/api/v1/namespaces/${namespace}/pods/${pod}/exec?${command}&container=app&stderr=true&stdout=true${tty}`,
      code: 101,
      reason: 'RBAC: allowed by ClusterRoleBinding "platform-admins" of ClusterRole "cluster-admin" to Group "5f3b8f0e-9d4c-4c1e-a8a7-1f9d2b3c4d5e"',
      userAgent: KUBECTL,
    });
  }

  // ------------------------------------------------------------- medium: RequestResponse, ~1.7 KB

  private medium(): Record<string, unknown> {
    const r = this.random();
    // Exec and binding changes are rare next to controller traffic, but each one reaches detection state.
    if (r < 0.001) return this.selected(this.exec("create"));
    if (r < 0.0015) return this.selected(this.roleBindingChange());
    if (r < 0.5) return this.eviction();
    return this.scaleUpdate();
  }

  private eviction(): Record<string, unknown> {
    const namespace = this.pick(APP_NAMESPACES);
    const pod = this.podName(namespace);
    const actor = this.random() < 0.7 ? this.systemServiceAccount("cluster-autoscaler") : this.user();
    return this.event(actor, {
      verb: "create",
      resource: "pods",
      subresource: "eviction",
      namespace,
      name: pod,
      level: "RequestResponse",
      reason: actor.username.startsWith("system:") ? RBAC_SYSTEM("cluster-autoscaler") : 'RBAC: allowed by ClusterRoleBinding "platform-admins"',
      requestObject: {
        kind: "Eviction",
        apiVersion: "policy/v1",
        metadata: { name: pod, namespace, creationTimestamp: null },
        deleteOptions: { propagationPolicy: "Background", gracePeriodSeconds: 30 },
      },
      responseObject: { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", code: 201 },
      latencyMs: 18,
    });
  }

  private scaleUpdate(): Record<string, unknown> {
    const namespace = this.pick(APP_NAMESPACES);
    const name = `${namespace}-api`;
    const replicas = 2 + Math.floor(this.random() * 8);
    const uid = uuid(this.random);
    const rv = String(48_000_000 + Math.floor(this.random() * 1_000_000));
    const scale = (spec: number, status: number, resourceVersion: string) => ({
      kind: "Scale",
      apiVersion: "autoscaling/v1",
      metadata: { name, namespace, uid, resourceVersion, creationTimestamp: "2025-03-11T09:12:44Z" },
      spec: { replicas: spec },
      status: { replicas: status, selector: `app.kubernetes.io/name=${name},app.kubernetes.io/instance=${namespace}` },
    });
    return this.event(this.systemServiceAccount("horizontal-pod-autoscaler"), {
      verb: "update",
      resource: "deployments",
      subresource: "scale",
      apiGroup: "apps",
      namespace,
      name,
      level: "RequestResponse",
      reason: RBAC_SYSTEM("horizontal-pod-autoscaler"),
      requestObject: scale(replicas, replicas - 1, rv),
      responseObject: scale(replicas, replicas - 1, String(Number(rv) + 1)),
      latencyMs: 9,
    });
  }

  private roleBindingChange(): Record<string, unknown> {
    const namespace = this.pick(APP_NAMESPACES);
    const name = `${namespace}-developers`;
    const role = this.random() < 0.8 ? "edit" : "admin";
    const binding = (withServerFields: boolean) => ({
      kind: "RoleBinding",
      apiVersion: "rbac.authorization.k8s.io/v1",
      metadata: withServerFields
        ? { name, namespace, uid: uuid(this.random), resourceVersion: String(48_500_000 + this.podSerial), creationTimestamp: "2025-06-02T08:00:00Z" }
        : { name, namespace, creationTimestamp: null },
      subjects: [{ kind: "Group", apiGroup: "rbac.authorization.k8s.io", name: "b7c1e2d3-aaaa-4bbb-8ccc-123456789abc" }],
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role },
    });
    return this.event(this.user(), {
      verb: this.random() < 0.5 ? "create" : "update",
      resource: "rolebindings",
      apiGroup: "rbac.authorization.k8s.io",
      namespace,
      name,
      level: "RequestResponse",
      reason: 'RBAC: allowed by ClusterRoleBinding "platform-admins" of ClusterRole "cluster-admin" to Group "5f3b8f0e-9d4c-4c1e-a8a7-1f9d2b3c4d5e"',
      requestObject: binding(false),
      responseObject: binding(true),
      userAgent: KUBECTL,
    });
  }

  // ---------------------------------------------------------- large: pod create, ~5.5 KB

  private large(): Record<string, unknown> {
    const namespace = this.pick(APP_NAMESPACES);
    const app = `${namespace}-api`;
    const hash = this.hex(10);
    const name = `${app}-${hash}-${this.hex(5)}`;
    const uid = uuid(this.random);
    const created = new Date(this.time).toISOString().replace(/\.\d+Z$/, "Z");
    const rv = String(48_000_000 + this.podSerial++);
    return this.event(this.systemServiceAccount("replicaset-controller"), {
      verb: "create",
      resource: "pods",
      namespace,
      level: "RequestResponse",
      requestURI: `/api/v1/namespaces/${namespace}/pods`,
      reason: RBAC_SYSTEM("replicaset-controller"),
      requestObject: podObject({ app, namespace, hash, name, server: undefined }),
      responseObject: podObject({ app, namespace, hash, name, server: { uid, created, rv } }),
      latencyMs: 12,
    });
  }

  // ----------------------------------------------------------------------------- helpers

  private event(actor: Actor, spec: Omit<EventSpec, "auditID" | "time" | "username">): Record<string, unknown> {
    const event = auditEvent({
      userAgent: actor.userAgent,
      sourceIP: actor.sourceIP,
      ...spec,
      auditID: uuid(this.random),
      time: this.time,
      username: actor.username,
      groups: actor.groups,
    });
    // The builder writes {username, groups}; real tokens also carry uid and (bound SA tokens) extra.
    const user: Record<string, unknown> = { username: actor.username };
    if (actor.uid) user.uid = actor.uid;
    user.groups = actor.groups;
    if (actor.extra) user.extra = actor.extra;
    event.user = user;
    return event;
  }

  private selected(event: Record<string, unknown>): Record<string, unknown> {
    this.selectable++;
    return event;
  }

  private systemServiceAccount(name?: string): Actor {
    const sa = name ?? this.pick(SYSTEM_SERVICE_ACCOUNTS);
    return this.serviceAccount("kube-system", sa);
  }

  private appServiceAccount(namespace: string, name = "app"): Actor {
    return this.serviceAccount(namespace, name);
  }

  private serviceAccount(namespace: string, name: string): Actor {
    const username = `system:serviceaccount:${namespace}:${name}`;
    const uid = stableUuid(`${namespace}/${name}`);
    const groups = ["system:serviceaccounts", `system:serviceaccounts:${namespace}`, "system:authenticated"];
    if (namespace === "kube-system" && CONTROLLERS.has(name)) {
      return {
        username,
        uid,
        groups,
        sourceIP: "172.31.20.43",
        userAgent: `kube-controller-manager/v1.31.2 (linux/amd64) kubernetes/5864a46/system:serviceaccount:kube-system:${name}`,
      };
    }
    // A bound token names its pod: each workload runs a few replicas on fixed nodes.
    const replica = Math.floor(this.random() * SERVICE_ACCOUNT_REPLICAS);
    const pod = `${namespace}/${name}/${replica}`;
    const nodeIndex = (Number.parseInt(stableUuid(pod).slice(0, 8), 16) + replica) % NODE_COUNT;
    const node = NODES[nodeIndex] as string;
    return {
      username,
      uid,
      groups,
      extra: {
        "authentication.kubernetes.io/credential-id": [`JTI=${stableUuid(`jti/${pod}`)}`],
        "authentication.kubernetes.io/node-name": [node],
        "authentication.kubernetes.io/node-uid": [stableUuid(`node/${node}`)],
        "authentication.kubernetes.io/pod-name": [`${name}-7d9f8b6c5d-${stableUuid(`name/${pod}`).slice(0, 5)}`],
        "authentication.kubernetes.io/pod-uid": [stableUuid(`pod/${pod}`)],
      },
      sourceIP: `10.224.0.${4 + nodeIndex}`,
      userAgent: `${name}/v1.31.2 (linux/amd64) kubernetes/5864a46`,
    };
  }

  private kubelet(): Actor {
    const index = Math.floor(this.random() * NODE_COUNT);
    return {
      username: `system:node:${NODES[index]}`,
      uid: "",
      groups: ["system:nodes", "system:authenticated"],
      sourceIP: `10.224.0.${4 + index}`,
      userAgent: "kubelet/v1.31.2 (linux/amd64) kubernetes/5864a46",
    };
  }

  private user(): Actor {
    const username = this.pick(USERS);
    return {
      username,
      uid: stableUuid(`user/${username}`),
      groups: USER_GROUPS,
      extra: { oid: [stableUuid(`oid/${username}`)] },
      sourceIP: "198.51.100.23",
      userAgent: KUBECTL,
    };
  }

  private podName(namespace: string): string {
    return `${namespace}-api-6b7c9d8f5-${["x2kqv", "p9dzr", "m4tfn", "c7wbs"][Math.floor(this.random() * 4)]}`;
  }

  private pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.random() * items.length)] as T;
  }

  private hex(length: number): string {
    let out = "";
    for (let i = 0; i < length; i++) out += Math.floor(this.random() * 16).toString(16);
    return out;
  }
}

function namespaceOf(username: string): string {
  return username.split(":")[2] ?? "";
}

function shortSa(username: string): string {
  return username.split(":")[3] ?? username;
}

/** A uuid-shaped id derived from a name (FNV-1a), so one identity keeps one uid across events. */
function stableUuid(name: string): string {
  let h = 0x811c9dc5;
  const words: string[] = [];
  for (let round = 0; round < 4; round++) {
    for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193) >>> 0;
    h = Math.imul(h ^ round, 0x01000193) >>> 0;
    words.push(h.toString(16).padStart(8, "0"));
  }
  const hex = words.join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

interface PodParts {
  readonly app: string;
  readonly namespace: string;
  readonly hash: string;
  readonly name: string;
  /** Fields the API server adds in the response. */
  readonly server: { readonly uid: string; readonly created: string; readonly rv: string } | undefined;
}

/** A Deployment-managed pod as the replicaset controller creates it (request) or the API server returns it (response). */
function podObject(p: PodParts): Record<string, unknown> {
  const labels = { "app.kubernetes.io/name": p.app, "app.kubernetes.io/instance": p.namespace, "pod-template-hash": p.hash };
  const metadata: Record<string, unknown> = {
    name: p.server ? p.name : undefined,
    generateName: `${p.app}-${p.hash}-`,
    namespace: p.namespace,
    ...(p.server ? { uid: p.server.uid, resourceVersion: p.server.rv, creationTimestamp: p.server.created } : { creationTimestamp: null }),
    labels,
    ownerReferences: [
      {
        apiVersion: "apps/v1",
        kind: "ReplicaSet",
        name: `${p.app}-${p.hash}`,
        uid: "5c0ffee5-1d2e-4f3a-9b8c-7d6e5f4a3b2c",
        controller: true,
        blockOwnerDeletion: true,
      },
    ],
  };
  if (p.server) {
    metadata.managedFields = [
      {
        manager: "kube-controller-manager",
        operation: "Update",
        apiVersion: "v1",
        time: p.server.created,
        fieldsType: "FieldsV1",
        fieldsV1: {
          "f:metadata": { "f:generateName": {}, "f:labels": { ".": {}, "f:app.kubernetes.io/name": {}, "f:pod-template-hash": {} }, "f:ownerReferences": {} },
          "f:spec": { "f:containers": {}, "f:dnsPolicy": {}, "f:restartPolicy": {}, "f:serviceAccountName": {} },
        },
      },
    ];
  }
  const container = {
    name: "app",
    image: `contosoacr.azurecr.io/${p.namespace}/api:2025.05.3`,
    ports: [{ name: "http", containerPort: 8080, protocol: "TCP" }],
    env: [
      { name: "ASPNETCORE_URLS", value: "http://+:8080" },
      { name: "DB_PASSWORD", valueFrom: { secretKeyRef: { name: "db-credentials", key: "password" } } },
    ],
    resources: { limits: { cpu: "1", memory: "512Mi" }, requests: { cpu: "250m", memory: "256Mi" } },
    volumeMounts: [
      { name: "config", readOnly: true, mountPath: "/etc/config" },
      { name: "kube-api-access-8x2vp", readOnly: true, mountPath: "/var/run/secrets/kubernetes.io/serviceaccount" },
    ],
    livenessProbe: { httpGet: { path: "/healthz", port: 8080, scheme: "HTTP" }, periodSeconds: 10, timeoutSeconds: 1, failureThreshold: 3 },
    terminationMessagePath: "/dev/termination-log",
    terminationMessagePolicy: "File",
    imagePullPolicy: "IfNotPresent",
  };
  const pod: Record<string, unknown> = {
    kind: "Pod",
    apiVersion: "v1",
    metadata,
    spec: {
      volumes: [
        { name: "config", configMap: { name: "app-config", defaultMode: 420 } },
        {
          name: "kube-api-access-8x2vp",
          projected: {
            sources: [
              { serviceAccountToken: { expirationSeconds: 3607, path: "token" } },
              { configMap: { name: "kube-root-ca.crt", items: [{ key: "ca.crt", path: "ca.crt" }] } },
            ],
            defaultMode: 420,
          },
        },
      ],
      containers: [container],
      restartPolicy: "Always",
      terminationGracePeriodSeconds: 30,
      dnsPolicy: "ClusterFirst",
      serviceAccountName: "app",
      serviceAccount: "app",
      schedulerName: "default-scheduler",
      // Added by the DefaultTolerationSeconds admission plugin: only in the response.
      ...(p.server
        ? {
            tolerations: [
              { key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 },
              { key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 },
            ],
          }
        : {}),
      priority: 0,
      preemptionPolicy: "PreemptLowerPriority",
    },
    status: p.server ? { phase: "Pending", qosClass: "Burstable" } : {},
  };
  return pod;
}
