import { type DetectionFixture, ev, user } from "./fixture.js";

const NODE = "aks-nodepool1-12345678-vmss000000";
const kubelet = (path: string, verb = "get") => ({
  verb,
  resource: "nodes",
  subresource: "proxy",
  name: NODE,
  requestURI: `/api/v1/nodes/${NODE}/proxy${path}`,
  level: "Request" as const,
});
const portForward = (namespace: string, pod: string, ports: string) => ({
  verb: "get",
  resource: "pods",
  subresource: "portforward",
  namespace,
  name: pod,
  requestURI: `/api/v1/namespaces/${namespace}/pods/${pod}/portforward?ports=${ports}`,
  code: 101,
  stage: "ResponseStarted" as const,
});
const podProxy = (namespace: string, name: string, path = "/") => ({
  verb: "get",
  resource: "pods",
  subresource: "proxy",
  namespace,
  name,
  requestURI: `/api/v1/namespaces/${namespace}/pods/${name}/proxy${path}`,
});
const prometheus = {
  username: "system:serviceaccount:monitoring:prometheus-k8s",
  groups: ["system:serviceaccounts", "system:serviceaccounts:monitoring", "system:authenticated"],
  sourceIP: "10.244.2.17",
  userAgent: "Prometheus/2.54.1",
};

export const positive: DetectionFixture[] = [
  {
    name: "kubectl port-forward to a database pod (WebSocket, verb get) is Medium",
    events: [ev(0, { ...user("dev@contoso.com"), ...portForward("payments", "postgres-0", "5432") })],
    incidents: [
      {
        severity: "Medium",
        actor: "dev@contoso.com",
        titleIncludes: ["port-forwarded to pod payments/postgres-0 (ports 5432)"],
        evidence: { variants: ["portForward"] },
      },
    ],
  },
  {
    name: "the kubelet's run endpoint through nodes/proxy runs a command in any pod of the node: High, the command in evidence",
    events: [
      ev(0, {
        ...user("mallory@contoso.com"),
        ...kubelet("/run/payments/api-0/api?cmd=cat+%2Fvar%2Frun%2Fsecrets%2Fkubernetes.io%2Fserviceaccount%2Ftoken", "create"),
      }),
    ],
    incidents: [
      {
        severity: "High",
        titleIncludes: [`ran commands through the kubelet API of node ${NODE} (/run/payments/api-0/api)`],
        evidence: {
          variants: ["kubeletExec"],
          requests: [`create /api/v1/nodes/${NODE}/proxy/run/payments/api-0/api (cat /var/run/secrets/kubernetes.io/serviceaccount/token)`],
        },
      },
    ],
  },
  {
    name: "the kubelet's exec endpoint over WebSockets is logged as get nodes/proxy: still High",
    events: [ev(0, { ...user("mallory@contoso.com"), ...kubelet("/exec/kube-system/coredns-6f7c9d-x2k4p/coredns?command=sh&input=1&output=1&tty=1") })],
    incidents: [{ severity: "High", evidence: { variants: ["kubeletExec"] } }],
  },
  {
    name: "reading the kubelet's pod list through nodes/proxy is Medium (discovery); the path is in the URI at any audit level",
    events: [ev(0, { ...user("mallory@contoso.com"), ...kubelet("/pods") })],
    incidents: [{ severity: "Medium", titleIncludes: [`proxied to the kubelet API of node ${NODE} (/pods)`], evidence: { variants: ["kubeletProxy"] } }],
  },
  {
    name: "a kubelet exec path with 'metrics' in a pod name is still an exec, not routine monitoring",
    events: [ev(0, { ...prometheus, ...kubelet("/run/monitoring/metrics-agent-0/agent?cmd=id", "create") })],
    incidents: [{ severity: "High", evidence: { variants: ["kubeletExec"] } }],
  },
  {
    name: "pods/proxy to etcd's client port is Low",
    events: [ev(0, { ...user("dev@contoso.com"), ...podProxy("data", "etcd-0:2379", "/v2/keys") })],
    incidents: [{ severity: "Low", titleIncludes: ["proxied through the API server to pod data/etcd-0:2379"], evidence: { variants: ["serviceProxy"] } }],
  },
  {
    name: "one incident per actor: a port-forward and a kubelet exec in the window are one High incident",
    events: [
      ev(0, { ...user("mallory@contoso.com"), ...portForward("payments", "api-0", "8080") }),
      ev(120, { ...user("mallory@contoso.com"), ...kubelet("/run/payments/api-0/api?cmd=id", "create") }),
    ],
    incidents: [{ severity: "High", eventCount: 2, evidence: { variants: ["kubeletExec", "portForward"] } }],
  },
  {
    name: "sensitive ports come from the config",
    config: { "api-tunnel": { sensitivePorts: ["8080"] } },
    events: [ev(0, { ...user("dev@contoso.com"), ...podProxy("web", "frontend-0:8080", "/admin") })],
    incidents: [{ severity: "Low" }],
  },
];

export const negative: DetectionFixture[] = [
  {
    name: "Prometheus scraping kubelet metrics, cAdvisor and the summary API through nodes/proxy",
    events: [
      ev(0, { ...prometheus, ...kubelet("/metrics") }),
      ev(1, { ...prometheus, ...kubelet("/metrics/cadvisor") }),
      ev(2, { ...prometheus, ...kubelet("/stats/summary") }),
      ev(3, { ...prometheus, ...kubelet("/configz") }),
    ],
    incidents: [],
  },
  {
    name: "a refused port-forward and a refused kubelet exec",
    events: [
      ev(0, { ...user("eve@contoso.com"), ...portForward("payments", "postgres-0", "5432"), code: 403, stage: "ResponseComplete" }),
      ev(1, { ...user("eve@contoso.com"), ...kubelet("/run/payments/api-0/api?cmd=id", "create"), code: 403 }),
    ],
    incidents: [],
  },
  {
    name: "kubectl proxy to an app's web port and to the dashboard service",
    events: [
      ev(0, { ...user("dev@contoso.com"), ...podProxy("web", "frontend-0:8080") }),
      ev(1, {
        ...user("dev@contoso.com"),
        verb: "get",
        resource: "services",
        subresource: "proxy",
        namespace: "kubernetes-dashboard",
        name: "https:kubernetes-dashboard:",
        requestURI: "/api/v1/namespaces/kubernetes-dashboard/services/https:kubernetes-dashboard:/proxy/",
      }),
    ],
    incidents: [],
  },
  {
    name: "AKS's own identities are allowlisted",
    events: [ev(0, { username: "aksService", groups: ["system:masters", "system:authenticated"], ...kubelet("/pods") })],
    incidents: [],
  },
  {
    name: "a kubelet path made routine in the config",
    config: { "api-tunnel": { kubeletRoutinePaths: ["*metrics*", "/pods"] } },
    events: [ev(0, { ...user("dev@contoso.com"), ...kubelet("/pods") })],
    incidents: [],
  },
];
