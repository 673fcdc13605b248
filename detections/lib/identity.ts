/**
 * Helpers the access-and-identity detections share: the AKS platform identities peers allowlist, a
 * user agent's family (versions dropped), one-line request labels, and CIDR-list settings that fail
 * config loading on a bad entry. Pure functions of their arguments.
 */
import type { BlockList } from "node:net";
import { z } from "zod";
import { blockListOf } from "../../pipeline/detect/network.js";
import type { AuditEvent } from "../../pipeline/normalize/auditEvent.js";
import { pathOf, printable } from "./k8s.js";
import { AKS_MANAGED_USERNAMES } from "../../pipeline/normalize/actorType.js";

/**
 * Identities AKS runs its control plane as (formats.md §8; Elastic's and Panther's AKS exclusions).
 * Not `masterclient`: that is the admin credential a person downloads.
 */
export const AKS_PLATFORM_IDENTITIES: readonly string[] = [...AKS_MANAGED_USERNAMES];

/** The client that sent the request: its first source address (later ones are proxies it passed through). */
export function sourceOf(event: AuditEvent): string {
  return event.sourceIps[0] ?? "";
}

/**
 * A user agent without its versions, lower-cased: `kubectl/v1.30.1 (linux/amd64) kubernetes/abc` is
 * `kubectl (linux/amd64)`, `python-requests/2.31.0` is `python-requests`. Upgrading a client is not a new
 * client; moving to another product or platform is.
 */
export function userAgentFamily(userAgent: string): string {
  const text = userAgent.trim();
  if (text === "") return "(none)";
  const product = (text.split(/[\s/]/, 1)[0] ?? "").toLowerCase();
  const platform = /\(([^)]*)\)/.exec(text)?.[1]?.trim().toLowerCase();
  return printable(platform ? `${product} (${platform})` : product, 120);
}

/** `get secrets in payments db`, `list pods in all namespaces`, `get /version`: what one request did. */
export function requestLabel(event: AuditEvent): string {
  const ref = event.objectRef;
  if (!ref) return printable(`${event.verb} ${pathOf(event.requestUri)}`, 200);
  const resource = ref.subresource ? `${ref.resource}/${ref.subresource}` : ref.resource;
  const where = ref.namespace ? ` in ${ref.namespace}` : ref.name ? "" : " in all namespaces";
  return printable(`${event.verb} ${resource}${where}${ref.name ? ` ${ref.name}` : ""}`, 200);
}

/** The resource key of a request as selectors name it: `secrets`, `pods/exec`. */
export function resourceOf(event: AuditEvent): string {
  const ref = event.objectRef;
  if (!ref) return "";
  return ref.subresource ? `${ref.resource}/${ref.subresource}` : ref.resource;
}

/**
 * A settings field holding CIDR networks (`203.0.113.0/24`, `2001:db8::/32`, or a bare address). A bad
 * entry fails config loading, and the message names the field and the entry.
 */
export function cidrList() {
  return z
    .array(z.string())
    .default([])
    .superRefine((cidrs, ctx) => {
      for (const [i, cidr] of cidrs.entries()) {
        try {
          blockListOf([cidr]);
        } catch {
          ctx.addIssue({ code: "custom", path: [i], message: `not a network (expected a CIDR such as 203.0.113.0/24): ${printable(cidr, 80)}` });
        }
      }
    });
}

const blockLists = new WeakMap<readonly string[], BlockList>();

/** The BlockList of a validated CIDR setting, built once per settings array. */
export function networksOf(cidrs: readonly string[]): BlockList {
  let list = blockLists.get(cidrs);
  if (list === undefined) {
    list = blockListOf(cidrs);
    blockLists.set(cidrs, list);
  }
  return list;
}
