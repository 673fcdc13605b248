import { type DetectionFixture, ev, user } from "./fixture.js";

const ADMISSION = "admissionregistration.k8s.io";
type Hook = { name: string; url?: string; service?: { namespace: string; name: string; port?: number; path?: string }; resources: string[] };
const config = (kind: string, name: string, hooks: Hook[]) => ({
  apiVersion: `${ADMISSION}/v1`,
  kind,
  metadata: { name },
  webhooks: hooks.map((h) => ({
    name: h.name,
    clientConfig: { ...(h.url ? { url: h.url } : {}), ...(h.service ? { service: h.service } : {}), caBundle: "LS0tLS1CRUdJTi..." },
    rules: [{ operations: ["CREATE", "UPDATE"], apiGroups: ["*"], apiVersions: ["*"], resources: h.resources }],
    admissionReviewVersions: ["v1"],
    sideEffects: "None",
    failurePolicy: "Ignore",
  })),
});
const mutating = (verb: string, name: string, hooks: Hook[]) => ({
  verb,
  resource: "mutatingwebhookconfigurations",
  apiGroup: ADMISSION,
  name,
  level: "RequestResponse" as const,
  requestObject: config("MutatingWebhookConfiguration", name, hooks),
  responseObject: config("MutatingWebhookConfiguration", name, hooks),
});
const validating = (verb: string, name: string, hooks: Hook[]) => ({
  verb,
  resource: "validatingwebhookconfigurations",
  apiGroup: ADMISSION,
  name,
  level: "RequestResponse" as const,
  requestObject: config("ValidatingWebhookConfiguration", name, hooks),
  responseObject: config("ValidatingWebhookConfiguration", name, hooks),
});

export const positive: DetectionFixture[] = [
  {
    name: "a mutating webhook on every pod, calling a URL, is High; the URL's credentials and query are not kept (Panther's EKS case, AKS-shaped)",
    events: [
      ev(0, {
        ...user("mallory@contoso.com", "203.0.113.42"),
        ...mutating("create", "custom-mutator", [
          { name: "mutate.example.com", url: "https://hook:s3cret@webhook.example.com/mutate?token=abc", resources: ["*"] },
        ]),
      }),
    ],
    incidents: [
      {
        severity: "High",
        titleIncludes: [
          "mallory@contoso.com created MutatingWebhookConfiguration custom-mutator (calls a URL instead of a cluster service, matches every resource)",
        ],
        evidence: { endpoints: ["url https://webhook.example.com/mutate"] },
      },
    ],
  },
  {
    name: "a mutating webhook served in-cluster on pods only is still High",
    events: [
      ev(0, {
        ...user("dev@contoso.com"),
        ...mutating("create", "sidecar-injector", [
          { name: "inject.example.com", service: { namespace: "tools", name: "injector", port: 443, path: "/mutate" }, resources: ["pods"] },
        ]),
      }),
    ],
    incidents: [{ severity: "High", evidence: { endpoints: ["service tools/injector:443/mutate"], rules: ["pods"] } }],
  },
  {
    name: "a validating webhook on deployments served in-cluster is Medium (Panther's AKS case)",
    events: [
      ev(0, {
        ...user("policy-admin@contoso.com"),
        ...validating("create", "policy-validator", [
          { name: "validate.policy.com", service: { namespace: "policy", name: "validator" }, resources: ["deployments"] },
        ]),
      }),
    ],
    incidents: [{ severity: "Medium", titleIncludes: ["created ValidatingWebhookConfiguration policy-validator"] }],
  },
  {
    name: "a validating webhook that receives secrets is High",
    events: [
      ev(0, {
        ...user("dev@contoso.com"),
        ...validating("patch", "audit-hook", [{ name: "audit.example.com", service: { namespace: "tools", name: "audit" }, resources: ["secrets"] }]),
      }),
    ],
    incidents: [{ severity: "High", evidence: { concerns: ["receives secrets"] } }],
  },
  {
    name: "a validating webhook created at Metadata level is reported as Medium, its endpoints and rules unknown",
    events: [
      ev(0, {
        ...user("dev@contoso.com"),
        verb: "create",
        resource: "validatingwebhookconfigurations",
        apiGroup: ADMISSION,
        name: "policy-hook",
        level: "Metadata",
      }),
    ],
    incidents: [{ severity: "Medium", evidence: { endpoints: [], rules: [] } }],
  },
  {
    name: "deleting a policy webhook is Medium, logged without a body",
    events: [
      ev(0, { ...user("dev@contoso.com"), verb: "delete", resource: "validatingwebhookconfigurations", apiGroup: ADMISSION, name: "pod-security-webhook" }),
    ],
    incidents: [{ severity: "Medium", titleIncludes: ["dev@contoso.com deleted ValidatingWebhookConfiguration pod-security-webhook"] }],
  },
  {
    name: "a webhook named like a known add-on's but not matching its pattern is reported",
    events: [
      ev(0, {
        ...user("dev@contoso.com"),
        ...mutating("update", "aks-webhook-admission-controller-2", [{ name: "x", url: "https://10.0.0.9/m", resources: ["pods"] }]),
      }),
    ],
    incidents: [{ severity: "High" }],
  },
];

export const negative: DetectionFixture[] = [
  {
    name: "AKS's own admission controller webhook updated by aksService",
    events: [
      ev(0, {
        username: "aksService",
        groups: ["system:masters", "system:authenticated"],
        ...mutating("update", "aks-webhook-admission-controller", [
          { name: "aks-webhook-admission-controller.azmk8s.io", service: { namespace: "kube-system", name: "admission-webhook" }, resources: ["pods"] },
        ]),
      }),
    ],
    incidents: [],
  },
  {
    name: "a known policy add-on's webhook changed by a person",
    events: [
      ev(0, {
        ...user("ops@contoso.com"),
        ...validating("update", "gatekeeper-validating-webhook-configuration", [
          { name: "validation.gatekeeper.sh", service: { namespace: "gatekeeper-system", name: "gatekeeper-webhook-service" }, resources: ["*"] },
        ]),
      }),
    ],
    incidents: [],
  },
  {
    name: "cert-manager's cainjector patching the CA bundle of an app's webhook",
    events: [
      ev(0, {
        username: "system:serviceaccount:cert-manager:cert-manager-cainjector",
        groups: ["system:serviceaccounts", "system:serviceaccounts:cert-manager", "system:authenticated"],
        ...validating("patch", "app-validator", [
          { name: "validate.app.example.com", service: { namespace: "app", name: "validator" }, resources: ["deployments"] },
        ]),
      }),
    ],
    incidents: [],
  },
  {
    name: "a refused webhook create (Panther's failed case)",
    events: [
      ev(0, {
        ...user("mallory@contoso.com"),
        ...validating("create", "test-webhook", [{ name: "t", url: "https://evil.example/t", resources: ["*"] }]),
        code: 403,
        decision: "forbid",
      }),
    ],
    incidents: [],
  },
  {
    name: "reading webhook configurations",
    events: [ev(0, { ...user("dev@contoso.com"), verb: "list", resource: "mutatingwebhookconfigurations", apiGroup: ADMISSION })],
    incidents: [],
  },
  {
    name: "a team's own webhook added to knownWebhooks in the config",
    config: { "admission-webhook-change": { knownWebhooks: ["platform-*"] } },
    events: [
      ev(0, {
        ...user("dev@contoso.com"),
        ...mutating("update", "platform-defaults", [{ name: "d", service: { namespace: "platform", name: "defaults" }, resources: ["pods"] }]),
      }),
    ],
    incidents: [],
  },
];
