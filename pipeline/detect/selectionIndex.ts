/**
 * Detections indexed by what they select, so an event no detection needs costs a few map lookups. Each
 * selector is filed under its most selective condition (resource, then verb, then actor type, then the
 * facets); the rest of its conditions are checked only for events that reach it. Facets that need work
 * (user-agent substrings, public addresses) are decided once per distinct value and cached, bounded.
 */
import type { ActorType, AuditEvent } from "../normalize/auditEvent.js";
import type { Detection, Selector } from "./detection.js";
import { isPublicAddress } from "./network.js";

interface Entry {
  readonly detection: Detection;
  readonly selector: Selector;
  readonly verbs: ReadonlySet<string> | undefined;
  readonly actorTypes: ReadonlySet<ActorType> | undefined;
  readonly resources: ReadonlySet<string> | undefined;
  readonly userAgents: readonly string[] | undefined;
}

const NONE: readonly Detection[] = [];
/** Distinct user agents and addresses remembered per index; real clusters have a few hundred. */
const CACHE_LIMIT = 10_000;

export class SelectionIndex {
  private readonly byResource = new Map<string, Entry[]>();
  private readonly byVerb = new Map<string, Entry[]>();
  private readonly byActorType = new Map<ActorType, Entry[]>();
  private readonly impersonated: Entry[] = [];
  private readonly denied: Entry[] = [];
  private readonly byUserAgent: Entry[] = [];
  private readonly publicSource: Entry[] = [];
  private readonly userAgentCache = new Map<string, readonly Entry[]>();
  private readonly publicCache = new Map<string, boolean>();

  constructor(detections: readonly Detection[]) {
    for (const detection of detections) {
      const selectors: readonly Selector[] = Array.isArray(detection.select) ? detection.select : [detection.select as Selector];
      for (const selector of selectors) this.file(detection, selector);
    }
  }

  /** Detections that select this event, each once, in registration order within each index. */
  candidates(event: AuditEvent): readonly Detection[] {
    // Called for every event: no closures, no allocation unless something matches.
    let out: Detection[] | undefined;
    const ref = event.objectRef;
    if (ref) out = this.addMatching(this.byResource.get(ref.subresource ? `${ref.resource}/${ref.subresource}` : ref.resource), event, out);
    out = this.addMatching(this.byVerb.get(event.verb), event, out);
    out = this.addMatching(this.byActorType.get(event.actorType), event, out);
    if (this.impersonated.length && event.impersonatedUser) out = this.addMatching(this.impersonated, event, out);
    if (this.denied.length && isDenied(event)) out = this.addMatching(this.denied, event, out);
    if (this.byUserAgent.length && event.userAgent) out = this.addMatching(this.userAgentEntries(event.userAgent), event, out);
    if (this.publicSource.length && this.isPublicSource(event)) out = this.addMatching(this.publicSource, event, out);
    return out ?? NONE;
  }

  private addMatching(entries: readonly Entry[] | undefined, event: AuditEvent, out: Detection[] | undefined): Detection[] | undefined {
    if (entries === undefined) return out;
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i] as Entry;
      if (!this.matches(entry, event)) continue;
      if (out === undefined) out = [entry.detection];
      else if (!out.includes(entry.detection)) out.push(entry.detection);
    }
    return out;
  }

  private file(detection: Detection, selector: Selector): void {
    const entry: Entry = {
      detection,
      selector,
      verbs: selector.verbs ? new Set(selector.verbs) : undefined,
      actorTypes: selector.actorTypes ? new Set(selector.actorTypes) : undefined,
      resources: selector.resources ? new Set(selector.resources) : undefined,
      userAgents: selector.userAgents?.map((u) => u.toLowerCase()),
    };
    if (selector.resources) for (const resource of selector.resources) push(this.byResource, resource, entry);
    else if (selector.verbs) for (const verb of selector.verbs) push(this.byVerb, verb, entry);
    else if (selector.actorTypes) for (const type of selector.actorTypes) push(this.byActorType, type, entry);
    else if (selector.impersonated) this.impersonated.push(entry);
    else if (selector.denied) this.denied.push(entry);
    else if (selector.userAgents) this.byUserAgent.push(entry);
    else if (selector.publicSource) this.publicSource.push(entry);
    else throw new Error(`detection ${detection.id} has a selector that selects nothing: give resources, verbs, actorTypes or a facet`);
  }

  private userAgentEntries(userAgent: string): readonly Entry[] {
    let entries = this.userAgentCache.get(userAgent);
    if (entries === undefined) {
      const lower = userAgent.toLowerCase();
      entries = this.byUserAgent.filter((e) => (e.userAgents ?? []).some((needle) => lower.includes(needle)));
      remember(this.userAgentCache, userAgent, entries);
    }
    return entries;
  }

  /** Whether the event's first source address is public; cached per address. */
  isPublicSource(event: AuditEvent): boolean {
    const ip = event.sourceIps[0];
    if (!ip) return false;
    let result = this.publicCache.get(ip);
    if (result === undefined) {
      result = isPublicAddress(ip);
      remember(this.publicCache, ip, result);
    }
    return result;
  }

  /** Every condition of the entry's selector, for an event that reached it through one of them. */
  private matches(entry: Entry, event: AuditEvent): boolean {
    const s = entry.selector;
    if (entry.resources) {
      const ref = event.objectRef;
      if (!ref || !entry.resources.has(ref.subresource ? `${ref.resource}/${ref.subresource}` : ref.resource)) return false;
    }
    if (entry.verbs && !entry.verbs.has(event.verb)) return false;
    if (entry.actorTypes && !entry.actorTypes.has(event.actorType)) return false;
    if (s.impersonated && !event.impersonatedUser) return false;
    if (s.denied && !isDenied(event)) return false;
    if (entry.userAgents && !(event.userAgent && this.userAgentEntries(event.userAgent).includes(entry))) return false;
    if (s.publicSource && !this.isPublicSource(event)) return false;
    return true;
  }
}

export function isDenied(event: AuditEvent): boolean {
  return event.decision === "forbid" || event.responseCode === 401 || event.responseCode === 403;
}

function remember<V>(cache: Map<string, V>, key: string, value: V): void {
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(key, value);
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
