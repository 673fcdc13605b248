import type { ActorType } from "./auditEvent.js";

/**
 * Identities AKS itself runs as. `masterclient` is deliberately absent: it is the admin credential
 * people download with `az aks get-credentials --admin`, so its actions are a human's.
 */
export const AKS_MANAGED_USERNAMES: ReadonlySet<string> = new Set([
  "aksService",
  "hcpService",
  "readinessChecker",
  "aksProblemDetector",
  "acsService",
  "aks-service",
]);

export function actorTypeOf(username: string, groups: readonly string[]): ActorType {
  if (username === "system:anonymous" || username === "system:unauthenticated" || groups.includes("system:unauthenticated")) return "anonymous";
  if (username.startsWith("system:serviceaccount:")) return "serviceaccount";
  if (username.startsWith("system:node:") || groups.includes("system:nodes") || username === "kubelet") return "node";
  if (AKS_MANAGED_USERNAMES.has(username)) return "aks-managed";
  if (username.startsWith("system:")) return "system";
  return "user";
}
