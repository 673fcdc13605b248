/**
 * credential-minting — new credentials for the API server minted through it: service-account tokens
 * from the TokenRequest API (`kubectl create token`), client-certificate signing requests, and approvals
 * of such requests. Kubelets mint tokens for their pods and bootstrap their own certificates all the
 * time, so nodes, bootstrap identities and the control plane's own service accounts are left out.
 */
import { z } from "zod";
import { baseSettings, defineDetection, type MitreMapping, type Severity } from "../pipeline/detect/detection.js";
import { matcherFor } from "../pipeline/detect/patterns.js";
import { isAllowed } from "../pipeline/normalize/auditEvent.js";
import { actorName, asArray, asString, field, listForProse, printable } from "./lib/k8s.js";
import { AKS_PLATFORM_IDENTITIES } from "./lib/identity.js";

const settings = baseSettings({
  windowMinutes: 60,
  // Kubelets mint a token for every pod they run; AKS's own identities bootstrap nodes.
  allowActors: [...AKS_PLATFORM_IDENTITIES, "system:node:*", "system:apiserver"],
}).extend({
  /** Control-plane identities that mint tokens for the system namespaces' service accounts and approve kubelet CSRs. */
  controlPlaneIdentities: z.array(z.string()).default(["system:kube-controller-manager", "system:kube-scheduler", "system:serviceaccount:kube-system:*"]),
  /** Namespaces whose service accounts the control plane mints tokens for; a token for one of them minted by anyone else is High. */
  systemNamespaces: z.array(z.string()).default(["kube-system"]),
  /** Groups of identities that request certificates while joining nodes (kubelet TLS bootstrap). */
  bootstrapGroups: z.array(z.string()).default(["system:bootstrappers", "system:bootstrappers:*", "system:nodes"]),
  /** Signers of kubelet certificates: requests for them are node bootstrap, not a client credential. */
  kubeletSigners: z.array(z.string()).default(["kubernetes.io/kube-apiserver-client-kubelet", "kubernetes.io/kubelet-serving"]),
});

type Settings = z.infer<typeof settings>;

const CLIENT_SIGNER = "kubernetes.io/kube-apiserver-client";
const MITRE: Readonly<Record<string, MitreMapping>> = {
  token: { tactics: ["CredentialAccess", "Persistence"], techniques: ["T1528"] },
  csr: { tactics: ["CredentialAccess", "Persistence"], techniques: ["T1649"] },
  approval: { tactics: ["CredentialAccess", "Persistence"], techniques: ["T1649", "T1098"] },
};

export const credentialMinting = defineDetection<Settings>({
  id: "credential-minting",
  title: "API credential minted (service-account token or client certificate)",
  description:
    "Someone minted a credential for the API server through the API itself: a service-account token from the TokenRequest API, a certificate signing request for a client certificate, or the approval of one. Such credentials outlive the session that made them and are a quiet way to keep access.",
  mitre: { tactics: ["CredentialAccess", "Persistence"], techniques: ["T1528", "T1649", "T1098"] },
  status: "experimental",
  severityLogic:
    "High for a token minted for a service account in `systemNamespaces`, a client-certificate request whose subject names a `system:` user or group (system:masters), or the approval of a client-certificate request (or of one whose signer was not logged); Medium for any other token, client-certificate request or approval.",
  runbook: [
    "Read Evidence.credentials: whose token was minted, or which certificate was requested or approved, and by whom.",
    "Tokens: `kubectl get sa <name> -n <ns>`; a minted token cannot be revoked except by deleting the service account (or rotating the service-account signing key: `az aks rotate-certs`). Certificates: `kubectl get csr <name> -o yaml`, then delete it; an issued certificate stays valid until it expires or the cluster CA is rotated.",
    "Find what the actor did before (rbac-binding-change, secret-enumeration) and whether the credential was used (its identity's later requests).",
  ],
  catalogueRows: [24, 25],
  settings,
  select: [
    { resources: ["serviceaccounts/token"], verbs: ["create"] },
    { resources: ["certificatesigningrequests"], verbs: ["create"] },
    { resources: ["certificatesigningrequests/approval"], verbs: ["update", "patch"] },
  ],

  fold(event, s) {
    const ref = event.objectRef;
    if (!ref || !isAllowed(event)) return undefined;
    const controlPlane = matcherFor(s.controlPlaneIdentities)(event.user.username);
    const key = [event.user.username];
    if (ref.resource === "serviceaccounts") {
      const system = s.systemNamespaces.includes(ref.namespace);
      if (controlPlane && system) return undefined;
      return {
        key,
        items: { variant: "token", token: `${ref.namespace}/${ref.name}`, high: system ? event.auditId : undefined },
        evidence: { credential: `token for ServiceAccount ${ref.namespace}/${printable(ref.name)}` },
      };
    }
    if (controlPlane) return undefined;
    const csr = event.requestObject ?? event.responseObject;
    const signer = asString(field(csr, "spec", "signerName"));
    const name = printable(ref.name || asString(field(csr, "metadata", "name")) || asString(field(csr, "metadata", "generateName")));
    if (ref.subresource === "approval") {
      const conditions = asArray(field(csr, "status", "conditions")).map((c) => asString(field(c, "type")));
      if (conditions.length && !conditions.includes("Approved")) return undefined;
      if (signer && matcherFor(s.kubeletSigners)(signer)) return undefined;
      return {
        key,
        items: { variant: "approval", approval: name, high: signer === CLIENT_SIGNER || !signer ? event.auditId : undefined },
        evidence: { credential: `approved certificate request ${name}${signer ? ` (signer ${printable(signer)})` : " (decision and signer not logged)"}` },
      };
    }
    if (event.user.groups.some((g) => matcherFor(s.bootstrapGroups)(g))) return undefined;
    const usages = asArray(field(csr, "spec", "usages")).map(asString);
    if (signer && matcherFor(s.kubeletSigners)(signer)) return undefined;
    if (csr !== undefined && signer !== CLIENT_SIGNER && !usages.includes("client auth")) return undefined;
    const subject = csrSubject(asString(field(csr, "spec", "request")));
    const claimsSystem = [subject.commonName, ...subject.organizations].some((n) => n.startsWith("system:"));
    const names = [subject.commonName && `CN=${subject.commonName}`, ...subject.organizations.map((o) => `O=${o}`)].filter(Boolean).join(", ");
    return {
      key,
      items: { variant: "csr", csr: name, high: claimsSystem ? event.auditId : undefined },
      evidence: {
        credential: `client certificate request ${name} (${signer ? `signer ${printable(signer)}` : "body not logged"}${names ? `; ${printable(names)}` : ""})`,
      },
    };
  },

  evaluate(state) {
    const variants = ["token", "csr", "approval"].filter((v) => state.itemsOf("variant").includes(v));
    if (variants.length === 0) return undefined;
    const tokens = state.itemsOf("token");
    const csrs = state.itemsOf("csr");
    const approvals = state.itemsOf("approval");
    const severity: Severity = state.count("high") > 0 ? "High" : "Medium";
    const parts: string[] = [];
    if (tokens.length === 1) parts.push(`minted a token for ServiceAccount ${printable(tokens[0] ?? "")}`);
    else if (tokens.length > 1) parts.push(`minted tokens for ${tokens.length} service accounts (${listForProse(tokens.map((t) => printable(t)))})`);
    if (csrs.length) parts.push(`requested ${csrs.length === 1 ? "a client certificate" : `${csrs.length} client certificates`} (${listForProse(csrs)})`);
    if (approvals.length) parts.push(`approved certificate request${approvals.length > 1 ? "s" : ""} ${listForProse(approvals)}`);
    const actor = actorName(state.actor);
    const summary = parts.join(" and ");
    const credentials = state.evidenceOf("credential", 20);
    return {
      severity,
      mitre: {
        tactics: ["CredentialAccess", "Persistence"],
        techniques: [...new Set(variants.flatMap((v) => MITRE[v]?.techniques ?? []))],
      },
      title: `${actor} ${summary}`,
      description:
        `${actor} ${summary}: ${listForProse(credentials, 5)}.` +
        (tokens.length ? " A minted token works from anywhere until it expires, whoever holds it." : "") +
        (csrs.length || approvals.length ? " An issued client certificate authenticates as its subject until it expires; Kubernetes cannot revoke it." : ""),
      evidence: { credentials, tokens, certificateRequests: csrs, approvals },
      qualifyingEvents: 1,
    };
  },
});

/**
 * The subject a CSR asks for (CN is the username, O the groups), read from the PEM in `spec.request`:
 * the DER is scanned for the commonName and organizationName attributes. Empty when it cannot be read.
 */
function csrSubject(request: string): { commonName: string; organizations: string[] } {
  const none = { commonName: "", organizations: [] };
  if (!request) return none;
  const pem = Buffer.from(request, "base64").toString("latin1");
  const body = /-----BEGIN [A-Z ]*REQUEST-----([\s\S]*?)-----END/.exec(pem)?.[1];
  if (!body) return none;
  const der = Buffer.from(body.replace(/\s+/g, ""), "base64");
  const read = (oidLast: number): string[] => {
    const out: string[] = [];
    for (let i = 0; i + 7 < der.length; i++) {
      if (der[i] !== 0x06 || der[i + 1] !== 0x03 || der[i + 2] !== 0x55 || der[i + 3] !== 0x04 || der[i + 4] !== oidLast) continue;
      const length = der[i + 6] ?? 0;
      if (length < 0x80 && i + 7 + length <= der.length) out.push(der.toString("utf8", i + 7, i + 7 + length));
    }
    return out;
  };
  return { commonName: read(0x03)[0] ?? "", organizations: read(0x0a) };
}
