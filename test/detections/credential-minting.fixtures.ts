import { type DetectionFixture, ev, user } from "./fixture.js";

const CERTS = "certificates.k8s.io";
/** `kubectl create token`: AKS logs serviceaccounts/token at Metadata level, and the body is dropped anyway. */
const tokenFor = (namespace: string, name: string) => ({
  verb: "create",
  resource: "serviceaccounts",
  subresource: "token",
  namespace,
  name,
  level: "Metadata" as const,
});
// PEM certificate requests made with openssl (EC P-256): CN=backdoor, O=system:masters; and CN=jane.
const MASTERS_CSR =
  "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURSBSRVFVRVNULS0tLS0KTUlIbk1JR09BZ0VBTUN3eEVUQVBCZ05WQkFNTUNHSmhZMnRrYjI5eU1SY3dGUVlEVlFRS0RBNXplWE4wWlcwNgpiV0Z6ZEdWeWN6QlpNQk1HQnlxR1NNNDlBZ0VHQ0NxR1NNNDlBd0VIQTBJQUJFd0NHczF5TFFHODBJWUhYNWZQCk9zOVQrMXZvTTB6N0ZUWlpDM2dDQU5DN0V0ZG4yTWMrWjRDcDhMMUdWZDBRY2xUSFVMS29MbUlkNHJ2NHJjUEcKYVl1Z0FEQUtCZ2dxaGtqT1BRUURBZ05JQURCRkFpRUEra0RVMnJ2ajV4Ukp3T1hGcUtweWRnUE5hMHkrY1V1cwpUZ2JRUkRBR1M0Z0NJRktKNUcwelorbEx6RUxGK3ZBTlJnbFNzeWVBeGtNSUpUbUFvakhuNGxONAotLS0tLUVORCBDRVJUSUZJQ0FURSBSRVFVRVNULS0tLS0K";
const JANE_CSR =
  "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURSBSRVFVRVNULS0tLS0KTUlISk1IRUNBUUF3RHpFTk1Bc0dBMVVFQXd3RWFtRnVaVEJaTUJNR0J5cUdTTTQ5QWdFR0NDcUdTTTQ5QXdFSApBMElBQkU5dWhIeXZid2pmN0Y1Sk9EcWVtUnhERnlxM0E3dll3QUNoL2ZuUjlhU0E5enZQb0FNWU1JY2lkMHY5CmFGTkdFWGNid0JqRmlobHk5UCtZY2o3UXV0ZWdBREFLQmdncWhrak9QUVFEQWdOSUFEQkZBaUVBZ1NMMzFSbXQKOXArRlBqc3d3ZUoySndaSzZlaTEwUkpQR3VDQzFqaFo2blFDSUdJZ2JNMDZiVjg4OG93UzN2QVd0STFMb0pVZQpyT2V3Q1pvdEROWnFnYkJlCi0tLS0tRU5EIENFUlRJRklDQVRFIFJFUVVFU1QtLS0tLQo=";
const csr = (name: string, signerName: string, usages: string[], request = JANE_CSR, conditions?: object[]) => ({
  apiVersion: `${CERTS}/v1`,
  kind: "CertificateSigningRequest",
  metadata: { name },
  spec: { request, signerName, usages, expirationSeconds: 31536000 },
  ...(conditions ? { status: { conditions } } : {}),
});
const csrCreate = (name: string, body: object | undefined) => ({
  verb: "create",
  resource: "certificatesigningrequests",
  apiGroup: CERTS,
  name,
  level: "RequestResponse" as const,
  ...(body ? { requestObject: body } : { level: "Metadata" as const }),
});
const approval = (name: string, body: object | undefined, verb = "update") => ({
  verb,
  resource: "certificatesigningrequests",
  subresource: "approval",
  apiGroup: CERTS,
  name,
  level: "RequestResponse" as const,
  ...(body ? { requestObject: body } : {}),
});
const kubelet = { username: "system:node:aks-nodepool1-31718369-vmss000000", groups: ["system:nodes", "system:authenticated"] };
const kcm = { username: "system:kube-controller-manager", groups: ["system:authenticated"] };

export const positive: DetectionFixture[] = [
  {
    name: "a token minted for an app service account is Medium (Panther's AKS case)",
    events: [ev(0, { ...user("persistence-user@contoso.com", "203.0.113.42"), ...tokenFor("default", "backdoor-sa") })],
    incidents: [
      {
        severity: "Medium",
        actor: "persistence-user@contoso.com",
        titleIncludes: ["persistence-user@contoso.com minted a token for ServiceAccount default/backdoor-sa"],
        evidence: { tokens: ["default/backdoor-sa"] },
        targets: ["serviceaccounts/default/backdoor-sa"],
      },
    ],
  },
  {
    name: "a token for a kube-system service account is High",
    events: [ev(0, { ...user("dev@contoso.com"), ...tokenFor("kube-system", "cloud-node-manager") })],
    incidents: [{ severity: "High", titleIncludes: ["ServiceAccount kube-system/cloud-node-manager"] }],
  },
  {
    name: "the controller manager minting a token for an app namespace's service account is reported (Panther's system-principal case)",
    events: [ev(0, { ...kcm, ...tokenFor("production", "app-sa") })],
    incidents: [{ severity: "Medium", actor: "system:kube-controller-manager" }],
  },
  {
    name: "three tokens minted by one actor within the window are one incident",
    events: [
      ev(0, { ...user("dev@contoso.com"), ...tokenFor("payments", "api") }),
      ev(60, { ...user("dev@contoso.com"), ...tokenFor("payments", "worker") }),
      ev(120, { ...user("dev@contoso.com"), ...tokenFor("orders", "api") }),
    ],
    incidents: [{ severity: "Medium", eventCount: 3, titleIncludes: ["minted tokens for 3 service accounts"] }],
  },
  {
    name: "a client-certificate request whose subject is in system:masters is High, naming CN and O but never the request",
    events: [
      ev(0, {
        ...user("mallory@contoso.com"),
        ...csrCreate("backdoor-cert", csr("backdoor-cert", "kubernetes.io/kube-apiserver-client", ["client auth"], MASTERS_CSR)),
      }),
    ],
    incidents: [
      {
        severity: "High",
        titleIncludes: ["mallory@contoso.com requested a client certificate (backdoor-cert)"],
        evidence: { credentials: ["client certificate request backdoor-cert (signer kubernetes.io/kube-apiserver-client; CN=backdoor, O=system:masters)"] },
      },
    ],
  },
  {
    name: "a client-certificate request for an ordinary user is Medium",
    events: [ev(0, { ...user("ops@contoso.com"), ...csrCreate("jane", csr("jane", "kubernetes.io/kube-apiserver-client", ["client auth"])) })],
    incidents: [{ severity: "Medium", evidence: { certificateRequests: ["jane"] } }],
  },
  {
    name: "client auth usage under a custom signer counts as a client certificate",
    events: [
      ev(0, { ...user("ops@contoso.com"), ...csrCreate("svc-client", csr("svc-client", "example.com/internal", ["digital signature", "client auth"])) }),
    ],
    incidents: [{ severity: "Medium" }],
  },
  {
    name: "a service account requesting a client certificate (Panther's case) is reported",
    events: [
      ev(0, {
        username: "system:serviceaccount:default:compromised-sa",
        groups: ["system:serviceaccounts", "system:serviceaccounts:default", "system:authenticated"],
        ...csrCreate("sa-cert", csr("sa-cert", "kubernetes.io/kube-apiserver-client", ["client auth"])),
      }),
    ],
    incidents: [{ severity: "Medium", actor: "system:serviceaccount:default:compromised-sa" }],
  },
  {
    name: "a CSR created at Metadata level is reported with what is known (signer unknown)",
    events: [ev(0, { ...user("ops@contoso.com"), ...csrCreate("mystery", undefined) })],
    incidents: [{ severity: "Medium", evidence: { credentials: ["client certificate request mystery (body not logged)"] } }],
  },
  {
    name: "approving a client-certificate request is High",
    events: [
      ev(0, {
        ...user("ops@contoso.com"),
        ...approval(
          "jane",
          csr("jane", "kubernetes.io/kube-apiserver-client", ["client auth"], JANE_CSR, [{ type: "Approved", status: "True", reason: "KubectlApprove" }]),
        ),
      }),
    ],
    incidents: [{ severity: "High", titleIncludes: ["ops@contoso.com approved certificate request jane"] }],
  },
  {
    name: "request then approval by one actor is one incident",
    events: [
      ev(0, { ...user("ops@contoso.com"), ...csrCreate("jane", csr("jane", "kubernetes.io/kube-apiserver-client", ["client auth"])) }),
      ev(20, {
        ...user("ops@contoso.com"),
        ...approval("jane", csr("jane", "kubernetes.io/kube-apiserver-client", ["client auth"], JANE_CSR, [{ type: "Approved", status: "True" }])),
      }),
    ],
    incidents: [{ severity: "High", eventCount: 2, titleIncludes: ["requested a client certificate (jane) and approved certificate request jane"] }],
  },
];

export const negative: DetectionFixture[] = [
  {
    name: "a kubelet minting a projected token for a pod",
    events: [ev(0, { ...kubelet, ...tokenFor("payments", "api") })],
    incidents: [],
  },
  {
    name: "the controller manager minting tokens for kube-system controllers (Panther's excluded case)",
    events: [ev(0, { ...kcm, ...tokenFor("kube-system", "replicaset-controller") })],
    incidents: [],
  },
  {
    name: "a refused token request",
    events: [ev(0, { ...user("mallory@contoso.com"), ...tokenFor("production", "denied-sa"), code: 403, decision: "forbid" })],
    incidents: [],
  },
  {
    name: "creating or reading a service account is not minting a token",
    events: [
      ev(0, { ...user("dev@contoso.com"), verb: "create", resource: "serviceaccounts", namespace: "production", name: "new-sa" }),
      ev(5, { ...user("dev@contoso.com"), verb: "get", resource: "serviceaccounts", namespace: "production", name: "new-sa" }),
    ],
    incidents: [],
  },
  {
    name: "kubelet TLS bootstrap with a bootstrap token",
    events: [
      ev(0, {
        username: "system:bootstrap:abcdef",
        groups: ["system:bootstrappers", "system:bootstrappers:aks", "system:authenticated"],
        ...csrCreate("node-csr-x1", csr("node-csr-x1", "kubernetes.io/kube-apiserver-client-kubelet", ["client auth", "digital signature"])),
      }),
    ],
    incidents: [],
  },
  {
    name: "an AKS node bootstrap CSR under the kubelet signer (Panther's excluded case)",
    events: [
      ev(0, {
        username: "kubelet-nodepool-bootstrap",
        groups: ["system:authenticated"],
        ...csrCreate("node-csr-abc123", csr("node-csr-abc123", "kubernetes.io/kube-apiserver-client-kubelet", ["client auth"])),
      }),
    ],
    incidents: [],
  },
  {
    name: "a serving certificate request (server auth) is not a client credential",
    events: [ev(0, { ...user("ops@contoso.com"), ...csrCreate("server-cert", csr("server-cert", "example.com/serving", ["server auth"])) })],
    incidents: [],
  },
  {
    name: "the controller manager auto-approving a kubelet CSR",
    events: [
      ev(0, {
        ...kcm,
        ...approval(
          "node-csr-x1",
          csr("node-csr-x1", "kubernetes.io/kube-apiserver-client-kubelet", ["client auth"], JANE_CSR, [{ type: "Approved", status: "True" }]),
        ),
      }),
    ],
    incidents: [],
  },
  {
    name: "denying a certificate request",
    events: [
      ev(0, {
        ...user("ops@contoso.com"),
        ...approval("jane", csr("jane", "kubernetes.io/kube-apiserver-client", ["client auth"], JANE_CSR, [{ type: "Denied", status: "True" }])),
      }),
    ],
    incidents: [],
  },
  {
    name: "an operator that mints tokens by design, allowlisted in the config",
    config: { "credential-minting": { allowActors: ["system:serviceaccount:external-secrets:*"] } },
    events: [
      ev(0, {
        username: "system:serviceaccount:external-secrets:external-secrets",
        groups: ["system:serviceaccounts", "system:authenticated"],
        ...tokenFor("payments", "vault-auth"),
      }),
    ],
    incidents: [],
  },
];
