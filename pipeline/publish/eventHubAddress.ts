/**
 * `<namespace>/<hub>` as a user writes it: `myns/kube-audit`, `myns.servicebus.windows.net/kube-audit`,
 * `sb://myns.servicebus.windows.net/kube-audit` (as in a connection string), or `host:port/hub` to reach
 * the namespace through another address (a proxy, a local test endpoint) over TLS.
 */
import { EventHubTargetError } from "./eventHubTargetError.js";

export interface EventHubAddress {
  readonly fullyQualifiedNamespace: string;
  readonly eventHubName: string;
  /** Set for `host:port`: the SDK's `customEndpointAddress`. */
  readonly customEndpointAddress?: string;
}

const DEFAULT_SUFFIX = ".servicebus.windows.net";
const HOST = /^[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?$/;
// Event Hub names: letters, digits, periods, hyphens and underscores, starting and ending with a letter or digit.
const HUB = /^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$/;

export function parseEventHubAddress(spec: string): EventHubAddress {
  const text = spec.trim().replace(/^sb:\/\//i, "");
  const slash = text.indexOf("/");
  const namespace = slash < 0 ? text : text.slice(0, slash);
  const hub = slash < 0 ? "" : text.slice(slash + 1).replace(/\/$/, "");
  const portMatch = /^(.*):(\d{1,5})$/.exec(namespace);
  const host = portMatch ? (portMatch[1] as string) : namespace;
  if (!HOST.test(host) || !HUB.test(hub)) {
    throw new EventHubTargetError(`expected <namespace>/<hub> (myns/kube-audit or myns.servicebus.windows.net/kube-audit), got "${spec}"`);
  }
  const fullyQualifiedNamespace = host.includes(".") || portMatch ? host : `${host}${DEFAULT_SUFFIX}`;
  return portMatch
    ? { fullyQualifiedNamespace, eventHubName: hub, customEndpointAddress: `amqps://${host}:${portMatch[2]}` }
    : { fullyQualifiedNamespace, eventHubName: hub };
}

export function formatEventHubAddress(address: EventHubAddress): string {
  return `${address.fullyQualifiedNamespace}/${address.eventHubName}`;
}
