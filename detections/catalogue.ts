/**
 * The behaviours of ../shared/research/detections.md (rows 1–68), with the peers whose shipped content
 * covers each. Detections name the rows they cover (`catalogueRows`); the README's detection table and
 * the coverage test are generated and checked from this list, so a row can be neither lost nor claimed twice
 * without a test saying so.
 */
import type { Peer } from "../pipeline/detect/detection.js";

export interface CatalogueRow {
  readonly behaviour: string;
  readonly peers: readonly Peer[];
}

export const CATALOGUE_ROWS: Readonly<Record<number, CatalogueRow>> = {
  1: { behaviour: "Anonymous request allowed", peers: ["Falco", "Elastic", "Panther"] },
  2: { behaviour: "Anonymous pod create/update/patch", peers: ["Elastic"] },
  3: { behaviour: "Anonymous endpoint/permission enumeration burst", peers: ["Elastic"] },
  4: { behaviour: "Unauthorized / unauthenticated responses", peers: ["Sigma"] },
  5: { behaviour: "403 burst from one public IP", peers: ["Panther"] },
  6: { behaviour: "API enumeration: one identity denied or probing across many resource types", peers: ["Elastic"] },
  7: { behaviour: "Forbidden requests (any / create / new UA / SA) and unusual decision per UA", peers: ["Elastic"] },
  8: { behaviour: "API requests from TOR / proxy / IOC IPs", peers: ["Defender", "Panther"] },
  9: { behaviour: "System/node identity used from a public non-cloud IP", peers: ["Panther"] },
  10: { behaviour: "Operation by non-allowlisted or default-admin user (AKS: masterclient)", peers: ["Falco", "Sentinel"] },
  11: { behaviour: "Impersonation of a privileged identity", peers: ["Elastic"] },
  12: { behaviour: "RBAC self-review (kubectl auth can-i)", peers: ["Sigma", "Elastic"] },
  13: { behaviour: "Multi-resource discovery burst", peers: ["Elastic"] },
  14: { behaviour: "Recon / attack tooling identified by user agent", peers: ["Sigma", "Defender"] },
  15: { behaviour: "Secrets listed", peers: ["Sigma", "Sentinel"] },
  16: { behaviour: "Cluster-wide or sensitive-namespace secret dump", peers: ["Elastic", "Panther"] },
  17: { behaviour: "Secret reads against many distinct secrets", peers: ["Elastic", "Defender", "Panther"] },
  18: { behaviour: "Secret get/list with a never-seen (src IP, user, UA)", peers: ["Elastic"] },
  19: { behaviour: "Secret get/list by scripting or HTTP clients", peers: ["Elastic"] },
  20: { behaviour: "Secret get/list by a node or pod service account", peers: ["Elastic"] },
  21: { behaviour: "Every secret get (success vs failure)", peers: ["Falco"] },
  22: { behaviour: "Repeated denied secret reads", peers: ["Panther"] },
  23: { behaviour: "Secret created / modified / deleted", peers: ["Falco", "Sigma"] },
  24: { behaviour: "Service-account token minted (TokenRequest)", peers: ["Elastic", "Panther"] },
  25: { behaviour: "Client-certificate CSR created or approved", peers: ["Elastic", "Panther"] },
  26: { behaviour: "ConfigMap containing credentials", peers: ["Falco"] },
  27: { behaviour: "Secret/ConfigMap access via the Azure Arc proxy SA", peers: ["Elastic"] },
  28: { behaviour: "Exec / attach into a pod", peers: ["Falco", "Sigma", "Elastic", "Sentinel", "Panther"] },
  29: { behaviour: "Exec running a shell or tool", peers: ["Sigma"] },
  30: { behaviour: "Exec reading SA tokens or credential files", peers: ["Elastic", "Panther"] },
  31: { behaviour: "Exec reaching the cloud instance-metadata service", peers: ["Elastic"] },
  32: { behaviour: "Exec with a reverse-shell pattern", peers: ["Elastic"] },
  33: { behaviour: "Exec downloading over HTTPS", peers: ["Elastic"] },
  34: { behaviour: "kubectl cp exfiltration (tar via exec)", peers: ["Panther"] },
  35: { behaviour: "Port-forward to a pod", peers: ["Falco"] },
  36: { behaviour: "Ephemeral container added (kubectl debug)", peers: ["Falco", "Elastic"] },
  37: { behaviour: "API server proxy to the kubelet (nodes/proxy), incl. exec/run endpoints", peers: ["Elastic"] },
  38: { behaviour: "Privileged pod", peers: ["Falco", "Sigma", "Elastic", "Defender", "Sentinel", "Panther"] },
  39: { behaviour: "Sensitive hostPath mount", peers: ["Falco", "Sigma", "Elastic", "Defender", "Sentinel", "Panther"] },
  40: { behaviour: "hostNetwork / hostPID / hostIPC pod", peers: ["Falco", "Elastic", "Panther"] },
  41: { behaviour: "Dangerous Linux capabilities added", peers: ["Elastic", "Panther"] },
  42: { behaviour: "Pod created in a system namespace", peers: ["Falco", "Sigma", "Defender", "Panther"] },
  43: { behaviour: "Pod in kube-system using a *controller service account", peers: ["Elastic"] },
  44: { behaviour: "Non-allowlisted image / crypto-mining image", peers: ["Falco", "Defender"] },
  45: { behaviour: "DaemonSet/Deployment/CronJob change by a new UA, IP or user", peers: ["Elastic"] },
  46: { behaviour: "Sidecar injection (deployment patch)", peers: ["Sigma"] },
  47: { behaviour: "DaemonSet created", peers: ["Panther"] },
  48: { behaviour: "CronJob / Job created or modified", peers: ["Sigma", "Panther"] },
  49: { behaviour: "Binding to cluster-admin", peers: ["Falco", "Elastic", "Defender", "Sentinel", "Panther"] },
  50: { behaviour: "Any RoleBinding / ClusterRoleBinding create / update / patch / delete", peers: ["Falco", "Sigma"] },
  51: { behaviour: "RoleBinding referencing a ServiceAccount", peers: ["Elastic"] },
  52: { behaviour: "RBAC objects written by a service account", peers: ["Elastic"] },
  53: { behaviour: "Sensitive RBAC change followed by a workload change", peers: ["Elastic"] },
  54: { behaviour: "Role/ClusterRole with wildcard verbs or resources created", peers: ["Falco", "Panther"] },
  55: { behaviour: "Existing role patched to a wildcard", peers: ["Elastic"] },
  56: { behaviour: "Role with write verbs, pods/exec, or nodes/proxy created", peers: ["Falco", "Panther"] },
  57: { behaviour: "Sensitive / high-privilege role created or modified", peers: ["Elastic", "Defender", "Sentinel"] },
  58: { behaviour: "System role modified or deleted", peers: ["Falco", "Panther"] },
  59: { behaviour: "Service account created (any, or in kube-system / kube-public)", peers: ["Falco", "Sigma"] },
  60: { behaviour: "Admission webhook created / modified", peers: ["Sigma", "Elastic", "Defender", "Panther"] },
  61: { behaviour: "CoreDNS ConfigMap modified", peers: ["Elastic", "Defender"] },
  62: { behaviour: "Service exposure (NodePort; LoadBalancer exposing sensitive apps)", peers: ["Falco", "Elastic", "Defender", "Panther"] },
  63: { behaviour: "Ingress without TLS", peers: ["Falco", "Panther"] },
  64: { behaviour: "Namespace created outside an allowlist", peers: ["Falco"] },
  65: { behaviour: "Untrusted node joins (or fails to join)", peers: ["Falco"] },
  66: { behaviour: "Kubernetes events deleted", peers: ["Sigma", "Elastic", "Defender", "Sentinel"] },
  67: { behaviour: "Deployment deleted", peers: ["Falco", "Sigma"] },
  68: { behaviour: "Generic object lifecycle activity", peers: ["Falco", "Sentinel"] },
};

/** Rows no detection covers, with the reason; the README lists them. Empty: every row is covered. */
export const SKIPPED_ROWS: Readonly<Record<number, string>> = {};
