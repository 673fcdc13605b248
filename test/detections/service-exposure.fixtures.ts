import type { EventSpec } from "../../scripts/synthetic/auditRecords.js";
import { type DetectionFixture, ev, user } from "./fixture.js";

type Spec = Omit<EventSpec, "auditID" | "time">;

/** A Service create as logged at RequestResponse (Falco's create_nginx_service_nodeport shape). */
const service = (namespace: string, name: string, spec: object, metadata: object = {}, who = user("alice@contoso.com")): Spec => {
  const body = { kind: "Service", apiVersion: "v1", metadata: { name, namespace, ...metadata }, spec };
  return {
    ...who,
    verb: "create",
    resource: "services",
    namespace,
    name,
    requestURI: `/api/v1/namespaces/${namespace}/services`,
    level: "RequestResponse",
    requestObject: body,
    responseObject: body,
  };
};
const ingress = (namespace: string, name: string, spec: object, metadata: object = {}, who = user("alice@contoso.com")): Spec => ({
  ...who,
  verb: "create",
  resource: "ingresses",
  apiGroup: "networking.k8s.io",
  namespace,
  name,
  requestURI: `/apis/networking.k8s.io/v1/namespaces/${namespace}/ingresses`,
  level: "RequestResponse",
  requestObject: { kind: "Ingress", apiVersion: "networking.k8s.io/v1", metadata: { name, namespace, ...metadata }, spec },
});
const rules = (host: string) => [{ host, http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: "web", port: { number: 80 } } } }] } }];
const redis = { type: "LoadBalancer", selector: { app: "cache" }, ports: [{ name: "tcp", port: 6379, targetPort: 6379, protocol: "TCP" }] };

export const positive: DetectionFixture[] = [
  {
    name: "Falco's create_nginx_service_nodeport (as logged, by minikube-user): Medium",
    events: [
      ev(
        0,
        service(
          "default",
          "nginx",
          {
            externalTrafficPolicy: "Cluster",
            ports: [{ nodePort: 30080, port: 80, protocol: "TCP", targetPort: 80 }],
            selector: { app: "nginx" },
            sessionAffinity: "None",
            type: "NodePort",
          },
          { labels: { app: "nginx" } },
          { username: "minikube-user", groups: ["system:masters", "system:authenticated"], sourceIP: "192.168.99.1" },
        ),
      ),
    ],
    incidents: [
      {
        severity: "Medium",
        actor: "minikube-user",
        titleIncludes: ["minikube-user created Service default/nginx: type NodePort on node port 30080"],
        targets: ["services/default/nginx"],
        evidence: { variants: ["nodePort"] },
        techniques: ["T1133"],
      },
    ],
  },
  {
    name: "Panther's AKS NodePort case",
    events: [ev(0, service("default", "test-svc", { type: "NodePort", ports: [{ port: 80, targetPort: 8080 }] }, {}, user("admin@example.com")))],
    incidents: [{ severity: "Medium", actor: "admin@example.com" }],
  },
  {
    name: "a public LoadBalancer in front of Redis (Defender's ExposedRedis) is High",
    events: [ev(0, service("cache", "redis-public", redis))],
    incidents: [
      {
        severity: "High",
        titleIncludes: ["created Service cache/redis-public: LoadBalancer reachable from anywhere exposing Redis (port 6379)"],
        evidence: { variants: ["sensitiveLoadBalancer"] },
        techniques: ["T1133", "T1190"],
      },
    ],
  },
  {
    name: "the Kubernetes dashboard behind a public LoadBalancer, recognised by name and selector (Defender's ExposedDashboard)",
    events: [
      ev(
        0,
        service("kubernetes-dashboard", "kubernetes-dashboard", {
          type: "LoadBalancer",
          selector: { "k8s-app": "kubernetes-dashboard" },
          ports: [{ port: 443, targetPort: 8443 }],
        }),
      ),
    ],
    incidents: [{ severity: "High", titleIncludes: ["exposing kubernetes-dashboard"] }],
  },
  {
    name: "source ranges that include 0.0.0.0/0 restrict nothing (Defender's ExposedPostgresBroadIPRange)",
    events: [
      ev(
        0,
        service("data", "pg", {
          type: "LoadBalancer",
          loadBalancerSourceRanges: ["10.0.0.0/8", "0.0.0.0/0"],
          selector: { app: "db" },
          ports: [{ port: 5432 }],
        }),
      ),
    ],
    incidents: [{ severity: "High", titleIncludes: ["LoadBalancer reachable from 0.0.0.0/0 exposing PostgreSQL (port 5432)"] }],
  },
  {
    name: "a patch turning a Service into a NodePort",
    events: [
      ev(0, {
        ...user("alice@contoso.com"),
        verb: "patch",
        resource: "services",
        namespace: "web",
        name: "frontend",
        level: "RequestResponse",
        requestObject: { spec: { type: "NodePort" } },
      }),
    ],
    incidents: [{ severity: "Medium", titleIncludes: ["patched Service web/frontend: type NodePort"] }],
  },
  {
    name: "a NodePort on the kubelet's port is both variants: High",
    events: [ev(0, service("kube-system", "kubelet-proxy", { type: "NodePort", selector: { app: "proxy" }, ports: [{ port: 10250, nodePort: 31250 }] }))],
    incidents: [{ severity: "High", evidence: { variants: ["nodePort", "sensitiveLoadBalancer"] }, techniques: ["T1133", "T1190"] }],
  },
  {
    name: "an Ingress created without TLS (Panther's AKS case) is Low, with its hosts",
    events: [ev(0, ingress("default", "test-ingress", { rules: rules("shop.contoso.com") }, {}, user("admin@example.com")))],
    incidents: [
      {
        severity: "Low",
        titleIncludes: ["admin@example.com created Ingress default/test-ingress: no TLS for shop.contoso.com"],
        evidence: { variants: ["ingressWithoutTls"] },
        techniques: ["T1040"],
      },
    ],
  },
];

export const negative: DetectionFixture[] = [
  {
    name: "a ClusterIP Service (Falco's create_nginx_service_nonodeport)",
    events: [ev(0, service("default", "nginx", { ports: [{ port: 80, protocol: "TCP", targetPort: 80 }], selector: { app: "nginx" }, type: "ClusterIP" }))],
    incidents: [],
  },
  {
    name: "a public LoadBalancer for an ordinary web front end",
    events: [
      ev(0, service("web", "frontend", { type: "LoadBalancer", selector: { app: "frontend" }, ports: [{ name: "https", port: 443, targetPort: 8443 }] })),
    ],
    incidents: [],
  },
  {
    name: "an internal Azure load balancer in front of Redis is not on the internet",
    events: [ev(0, service("cache", "redis-internal", redis, { annotations: { "service.beta.kubernetes.io/azure-load-balancer-internal": "true" } }))],
    incidents: [],
  },
  {
    name: "PostgreSQL behind a LoadBalancer restricted to private ranges",
    events: [
      ev(0, service("data", "pg", { type: "LoadBalancer", loadBalancerSourceRanges: ["10.0.0.0/8"], selector: { app: "db" }, ports: [{ port: 5432 }] })),
    ],
    incidents: [],
  },
  {
    name: "restricted through AKS's azure-allowed-ip-ranges annotation instead",
    events: [
      ev(
        0,
        service("cache", "redis-public", redis, { annotations: { "service.beta.kubernetes.io/azure-allowed-ip-ranges": "198.51.100.0/24, 203.0.113.0/24" } }),
      ),
    ],
    incidents: [],
  },
  {
    name: "an Ingress with TLS (Panther)",
    events: [
      ev(0, ingress("production", "secure-ingress", { tls: [{ hosts: ["shop.contoso.com"], secretName: "shop-tls" }], rules: rules("shop.contoso.com") })),
    ],
    incidents: [],
  },
  {
    name: "an Ingress whose TLS is terminated by Application Gateway (AGIC certificate annotation)",
    events: [
      ev(
        0,
        ingress(
          "production",
          "agic",
          { rules: rules("shop.contoso.com") },
          { annotations: { "appgw.ingress.kubernetes.io/appgw-ssl-certificate": "shop-cert" } },
        ),
      ),
    ],
    incidents: [],
  },
  {
    name: "a Service created at Metadata level: its type is unknown, not reported",
    events: [
      ev(0, {
        ...user("alice@contoso.com"),
        verb: "create",
        resource: "services",
        namespace: "default",
        name: "nginx",
        requestURI: "/api/v1/namespaces/default/services",
        level: "Metadata",
      }),
    ],
    incidents: [],
  },
  {
    name: "a refused Service creation (Panther)",
    events: [ev(0, { ...service("default", "test-svc", { type: "NodePort", ports: [{ port: 80 }] }), code: 409 })],
    incidents: [],
  },
  {
    name: "a patch of an Ingress is not judged: it does not show whether TLS remains",
    events: [
      ev(0, {
        ...user("alice@contoso.com"),
        verb: "patch",
        resource: "ingresses",
        apiGroup: "networking.k8s.io",
        namespace: "web",
        name: "shop",
        level: "RequestResponse",
        requestObject: { metadata: { annotations: { "nginx.ingress.kubernetes.io/proxy-body-size": "8m" } }, spec: { rules: rules("shop.contoso.com") } },
      }),
    ],
    incidents: [],
  },
  {
    name: "nodePort switched off",
    config: { "service-exposure": { nodePort: false } },
    events: [ev(0, service("default", "test-svc", { type: "NodePort", ports: [{ port: 80 }] }))],
    incidents: [],
  },
];
