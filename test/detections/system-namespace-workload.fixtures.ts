import { type DetectionFixture, ev, user } from "./fixture.js";
import { controllerPod, created } from "./privileged-workload.fixtures.js";

const netshoot = { containers: [{ name: "kube-proxy", image: "nicolaka/netshoot:v0.13" }] };

export const positive: DetectionFixture[] = [
  {
    name: "a person runs a pod named like a system pod in kube-system (name mimicry) is Medium",
    events: [ev(0, created("pods", "kube-system", "kube-proxy-x9x2z", netshoot))],
    incidents: [
      {
        severity: "Medium",
        actor: "alice@contoso.com",
        titleIncludes: ["alice@contoso.com created pod kube-system/kube-proxy-x9x2z running nicolaka/netshoot:v0.13"],
        targets: ["pods/kube-system/kube-proxy-x9x2z"],
        techniques: ["T1036.005"],
        evidence: { variants: ["systemNamespace"], images: ["nicolaka/netshoot:v0.13"] },
      },
    ],
  },
  {
    name: "Panther's AKS case: a crypto-miner pod in kube-public",
    events: [
      ev(0, {
        ...created("pods", "kube-public", "crypto-miner", { containers: [{ name: "miner", image: "xmrig/xmrig:latest" }] }),
        ...user("malicious-user@example.com", "203.0.113.50"),
      }),
    ],
    incidents: [{ severity: "Medium", actor: "malicious-user@example.com", targets: ["pods/kube-public/crypto-miner"] }],
  },
  {
    name: "a CI service account of another namespace creating a Deployment in kube-system",
    events: [
      ev(0, {
        ...created("deployments", "kube-system", "metrics-helper", { containers: [{ name: "helper", image: "contosoacr.azurecr.io/tools/helper:1.4" }] }),
        username: "system:serviceaccount:cicd:deployer",
        groups: ["system:serviceaccounts", "system:serviceaccounts:cicd", "system:authenticated"],
      }),
    ],
    incidents: [{ severity: "Medium", titleIncludes: ["created Deployment kube-system/metrics-helper"] }],
  },
  {
    name: "Elastic's case: a pod in kube-system running as a controller's service account is High, with both variants",
    events: [
      ev(
        0,
        created("pods", "kube-system", "helper", {
          serviceAccountName: "replicaset-controller",
          containers: [{ name: "kubectl", image: "bitnami/kubectl:1.31" }],
        }),
      ),
    ],
    incidents: [
      {
        severity: "High",
        titleIncludes: ["as controller service account replicaset-controller"],
        techniques: ["T1036.005", "T1078.001"],
        evidence: { variants: ["controllerServiceAccount", "systemNamespace"], serviceAccounts: ["replicaset-controller"] },
      },
    ],
  },
  {
    name: "a kube-system add-on's own account may deploy there, but patching a template onto a controller's account is High",
    events: [
      ev(0, {
        username: "system:serviceaccount:kube-system:cluster-autoscaler",
        groups: ["system:serviceaccounts", "system:serviceaccounts:kube-system", "system:authenticated"],
        verb: "patch",
        resource: "deployments",
        apiGroup: "apps",
        namespace: "kube-system",
        name: "coredns",
        level: "RequestResponse",
        requestObject: { spec: { template: { spec: { serviceAccountName: "clusterrole-aggregation-controller" } } } },
      }),
    ],
    incidents: [
      {
        severity: "High",
        titleIncludes: ["patched Deployment kube-system/coredns as controller service account clusterrole-aggregation-controller"],
        evidence: { variants: ["controllerServiceAccount"] },
        techniques: ["T1078.001"],
      },
    ],
  },
  {
    name: "a creation logged at Metadata level is reported with what is known: images unknown",
    events: [
      ev(0, {
        ...user("alice@contoso.com"),
        verb: "create",
        resource: "pods",
        namespace: "kube-system",
        name: "debug",
        requestURI: "/api/v1/namespaces/kube-system/pods",
        level: "Metadata",
      }),
    ],
    incidents: [{ severity: "Medium", titleIncludes: ["created pod kube-system/debug (images not logged)"], evidence: { images: [] } }],
  },
  {
    name: "a mirror pod a kubelet creates in kube-system: a static pod written on the node (AKS runs none), reported",
    events: [
      ev(0, {
        ...created("pods", "kube-system", "kube-proxy-aks-nodepool1-38516731-vmss000002", netshoot),
        username: "system:node:aks-nodepool1-38516731-vmss000002",
        groups: ["system:nodes", "system:authenticated"],
        userAgent: "kubelet/v1.31.2 (linux/amd64) kubernetes/5864a46",
      }),
    ],
    incidents: [{ severity: "Medium", actor: "system:node:aks-nodepool1-38516731-vmss000002" }],
  },
  {
    name: "Panther's case: nothing belongs in kube-node-lease",
    events: [ev(0, created("pods", "kube-node-lease", "hidden-pod", { containers: [{ name: "x", image: "alpine:3.20" }] }))],
    incidents: [{ severity: "Medium" }],
  },
];

export const negative: DetectionFixture[] = [
  {
    name: "a pod in an application namespace (Panther)",
    events: [ev(0, created("pods", "production", "app-pod", { containers: [{ name: "app", image: "contosoacr.azurecr.io/app:1.0" }] }))],
    incidents: [],
  },
  {
    name: "a person running only Microsoft-registry images in kube-system (allowedImages)",
    events: [ev(0, created("pods", "kube-system", "az-debug", { containers: [{ name: "az", image: "mcr.microsoft.com/azure-cli:2.67.0" }] }))],
    incidents: [],
  },
  {
    name: "AKS reconciling its add-ons as aksService is allowlisted",
    events: [
      ev(0, {
        ...created("deployments", "kube-system", "metrics-server", {
          containers: [{ name: "metrics-server", image: "mcr.microsoft.com/oss/kubernetes/metrics-server:v0.7.2" }],
        }),
        username: "aksService",
        groups: ["system:masters", "system:authenticated"],
      }),
    ],
    incidents: [],
  },
  {
    name: "the replicaset controller creating a kube-system pod from a template (Falco's create_pod_kube_system_namespace; Falco reports it): judged at the template",
    events: [ev(0, controllerPod("kube-system", "nginx-deployment-7d5b5dd9cf", "x2kqv", { containers: [{ name: "nginx", image: "nginx" }] }))],
    incidents: [],
  },
  {
    name: "a kube-system add-on's own service account creating in kube-system (systemActors; Panther excludes system principals)",
    events: [
      ev(0, {
        ...created("pods", "kube-system", "system-pod", { containers: [{ name: "c", image: "registry.k8s.io/pause:3.10" }] }),
        username: "system:serviceaccount:kube-system:controller",
        groups: ["system:serviceaccounts", "system:serviceaccounts:kube-system", "system:authenticated"],
      }),
    ],
    incidents: [],
  },
  {
    name: "a refused creation (Panther's failed pod creation)",
    events: [ev(0, { ...created("pods", "kube-system", "malicious-pod", netshoot), code: 403, decision: "forbid" })],
    incidents: [],
  },
  {
    name: "changing an image of a kube-system Deployment is no creation and names no controller account",
    events: [
      ev(0, {
        ...user("alice@contoso.com"),
        verb: "patch",
        resource: "deployments",
        apiGroup: "apps",
        namespace: "kube-system",
        name: "coredns",
        level: "RequestResponse",
        requestObject: { spec: { template: { spec: { containers: [{ name: "coredns", image: "contosoacr.azurecr.io/coredns:1.11.3" }] } } } },
      }),
    ],
    incidents: [],
  },
  {
    name: "namespaces narrowed to kube-system: kube-public is not watched",
    config: { "system-namespace-workload": { namespaces: ["kube-system"] } },
    events: [ev(0, created("pods", "kube-public", "crypto-miner", { containers: [{ name: "miner", image: "xmrig/xmrig:latest" }] }))],
    incidents: [],
  },
  {
    name: "an eviction in kube-system is not a creation (pods/eviction is not selected; Panther's EKS case)",
    events: [
      ev(0, {
        username: "system:serviceaccount:kube-system:cluster-autoscaler",
        verb: "create",
        resource: "pods",
        subresource: "eviction",
        namespace: "kube-system",
        name: "metrics-server-86c5f959ff-rcxtk",
        code: 429,
      }),
    ],
    incidents: [],
  },
];
