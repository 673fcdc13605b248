import { type DetectionFixture, ev, user } from "./fixture.js";

/** A ConfigMap write logged with its body (a cluster whose audit policy logs ConfigMaps at Request level or above). */
const write = (verb: string, namespace: string, name: string, data: Record<string, string>) => ({
  verb,
  resource: "configmaps",
  namespace,
  name,
  level: "RequestResponse" as const,
  requestObject: { apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace }, data },
  responseObject: { apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace, resourceVersion: "4711" }, data },
});
const UI = { "ui.properties": "color.good=purple\ncolor.bad=yellow\nallow.textmode=true\n" };

export const positive: DetectionFixture[] = [
  {
    name: "AWS keys inside a properties value are High, and Evidence names the key, never the value (Falco's create_configmap_sensitive_values)",
    events: [
      ev(0, {
        ...user("dev@contoso.com"),
        ...write("create", "default", "my-config", {
          "access.properties": "aws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = wJalrEXAMPLEKEY\n",
          ...UI,
        }),
      }),
    ],
    incidents: [
      {
        severity: "High",
        titleIncludes: ["dev@contoso.com created ConfigMap default/my-config with credentials in access.properties"],
        evidence: { keys: ["access.properties (aws_access_key_id, aws_secret_access_key)"] },
      },
    ],
  },
  {
    name: "dashes instead of underscores (aws-access-key-id) still match",
    events: [ev(0, { ...user("dev@contoso.com"), ...write("create", "default", "my-config", { "access.properties": "aws-s3-access-key-id = MY-ID\n" }) })],
    incidents: [{ severity: "Medium", evidence: { keys: ["access.properties (aws_s3_access_key_id)"] } }],
  },
  {
    name: "a data key named like a password is Medium",
    events: [ev(0, { ...user("dev@contoso.com"), ...write("update", "payments", "db", { DB_HOST: "db.payments.svc", DB_PASSWORD: "hunter2" }) })],
    incidents: [
      { severity: "Medium", titleIncludes: ["updated ConfigMap payments/db with credentials in DB_PASSWORD"], evidence: { keys: ["DB_PASSWORD (password)"] } },
    ],
  },
  {
    name: "a private key PEM block is High",
    events: [
      ev(0, {
        ...user("dev@contoso.com"),
        ...write("create", "web", "tls-config", { "server.key": "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----\n" }),
      }),
    ],
    incidents: [{ severity: "High", evidence: { keys: ["server.key (private key)"] } }],
  },
  {
    name: "an Azure Storage connection string with AccountKey= is High",
    events: [
      ev(0, {
        ...user("dev@contoso.com"),
        ...write("patch", "orders", "storage", {
          "appsettings.json": '{\n  "Storage": "DefaultEndpointsProtocol=https;AccountName=ordersprod;AccountKey=abc123==;EndpointSuffix=core.windows.net"\n}',
        }),
      }),
    ],
    incidents: [{ severity: "High", evidence: { keys: ["appsettings.json (connection string AccountKey=)"] } }],
  },
  {
    name: "a JSON value with a clientSecret field matches the longest name: client_secret, High",
    events: [
      ev(0, { ...user("dev@contoso.com"), ...write("create", "auth", "oidc", { "config.json": '{\n  "clientId": "web",\n  "clientSecret": "s3cr3t"\n}' }) }),
    ],
    incidents: [{ severity: "High", evidence: { keys: ["config.json (client_secret)"] } }],
  },
];

export const negative: DetectionFixture[] = [
  {
    name: "a ConfigMap without credentials (Falco's create_configmap_no_sensitive_values)",
    events: [ev(0, { ...user("dev@contoso.com"), ...write("create", "default", "my-config", UI) })],
    incidents: [],
  },
  {
    name: "names that only mention a secret, and empty or templated values",
    events: [
      ev(0, {
        ...user("dev@contoso.com"),
        ...write("create", "web", "settings", {
          secretName: "web-tls",
          tokenPath: "/var/run/secrets/tokens/vault",
          // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal shell placeholder, as env files hold them.
          "app.env": "DB_PASSWORD=${DB_PASSWORD}\nAPI_TOKEN=\nUSE_SECRET=true\n",
        }),
      }),
    ],
    incidents: [],
  },
  {
    name: "a ConfigMap written at Metadata level (AKS's policy for ConfigMaps) is not reported: the data is unknown",
    events: [ev(0, { ...user("dev@contoso.com"), verb: "create", resource: "configmaps", namespace: "default", name: "my-config", level: "Metadata" })],
    incidents: [],
  },
  {
    name: "a refused write",
    events: [ev(0, { ...user("dev@contoso.com"), ...write("create", "default", "creds", { password: "hunter2" }), code: 403, decision: "forbid" })],
    incidents: [],
  },
  {
    name: "a kube-system controller writing its own ConfigMap",
    events: [
      ev(0, {
        username: "system:serviceaccount:kube-system:cloud-node-manager",
        groups: ["system:serviceaccounts", "system:serviceaccounts:kube-system", "system:authenticated"],
        ...write("update", "kube-system", "cloud-config", { token: "abc" }),
      }),
    ],
    incidents: [],
  },
  {
    name: "a namespace allowlisted in the config",
    config: { "configmap-credentials": { allowNamespaces: ["sandbox-*"] } },
    events: [ev(0, { ...user("dev@contoso.com"), ...write("create", "sandbox-dev", "db", { password: "hunter2" }) })],
    incidents: [],
  },
];
