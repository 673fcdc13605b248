/**
 * The engine-owned state of one (detection, cluster, key, window): every field is a TimedSet or a
 * min/max, so state merges as a CRDT. Detections read it through `evaluate`; they never write it.
 */
import type { ActorType, Cluster } from "../normalize/auditEvent.js";
import { TimedSet, type TimedSetJson } from "./timedSet.js";

export const CAPS = {
  events: 1000,
  observations: 2000,
  items: 1000,
  evidence: 50,
  context: 50,
} as const;

export interface IncidentStateJson {
  readonly v: 1;
  readonly detectionId: string;
  readonly cluster: Cluster;
  readonly key: readonly string[];
  readonly windowStart: number;
  readonly windowMs: number;
  readonly first: number;
  readonly last: number;
  readonly actorTypes: Readonly<Record<string, ActorType>>;
  readonly sets: Readonly<Record<string, TimedSetJson>>;
  readonly saturated: readonly string[];
}

const CONTEXT_SETS = ["actors", "groups", "sourceIps", "userAgents", "namespaces", "targets"] as const;
export type ContextSet = (typeof CONTEXT_SETS)[number];

export class IncidentState {
  first = Number.POSITIVE_INFINITY;
  last = Number.NEGATIVE_INFINITY;
  readonly events = new TimedSet(CAPS.events);
  /**
   * Every (auditID, stage) folded in. A request logged at two stages is one event but two observations;
   * the revision counts observations, so any event that can change the row also bumps the revision.
   */
  readonly observations = new TimedSet(CAPS.observations);
  readonly context = new Map<ContextSet, TimedSet>(CONTEXT_SETS.map((name) => [name, new TimedSet(CAPS.context)]));
  /** Distinct items the detection counts, by kind (`secret`, `namespace`, `path`, …). */
  readonly items = new Map<string, TimedSet>();
  /** Distinct evidence values, by field (`command`, `roleRef`, …). */
  readonly evidence = new Map<string, TimedSet>();
  /** Actor type per actor name, so the incident can name the type of its earliest actor. */
  readonly actorTypes = new Map<string, ActorType>();

  constructor(
    readonly detectionId: string,
    readonly cluster: Cluster,
    readonly key: readonly string[],
    readonly windowStart: number,
    readonly windowMs: number,
  ) {}

  get eventCount(): number {
    return this.events.size;
  }

  /** Number of distinct items of a kind in this window. */
  count(kind: string): number {
    return this.items.get(kind)?.size ?? 0;
  }

  itemsOf(kind: string, limit?: number): string[] {
    return this.items.get(kind)?.sorted(limit) ?? [];
  }

  evidenceOf(field: string, limit?: number): string[] {
    return this.evidence.get(field)?.sorted(limit) ?? [];
  }

  contextOf(name: ContextSet, limit?: number): string[] {
    return this.context.get(name)?.sorted(limit) ?? [];
  }

  get actor(): string {
    return this.context.get("actors")?.earliest() ?? "";
  }

  get actorType(): ActorType {
    return this.actorTypes.get(this.actor) ?? "user";
  }

  addTo(map: Map<string, TimedSet>, name: string, value: string, time: number, cap: number): void {
    let set = map.get(name);
    if (set === undefined) {
      set = new TimedSet(cap);
      map.set(name, set);
    }
    set.add(value, time);
  }

  mergeFrom(other: IncidentState): void {
    this.first = Math.min(this.first, other.first);
    this.last = Math.max(this.last, other.last);
    this.events.mergeFrom(other.events);
    this.observations.mergeFrom(other.observations);
    for (const [name, set] of other.context) this.context.get(name)?.mergeFrom(set);
    mergeSets(this.items, other.items, CAPS.items);
    mergeSets(this.evidence, other.evidence, CAPS.evidence);
    for (const [actor, type] of other.actorTypes) if (!this.actorTypes.has(actor)) this.actorTypes.set(actor, type);
  }

  toJSON(): IncidentStateJson {
    const sets: Record<string, TimedSetJson> = { events: this.events.toJSON() };
    const saturated: string[] = this.events.saturated ? ["events"] : [];
    sets.observations = this.observations.toJSON();
    if (this.observations.saturated) saturated.push("observations");
    const put = (name: string, set: TimedSet) => {
      sets[name] = set.toJSON();
      if (set.saturated) saturated.push(name);
    };
    for (const [name, set] of this.context) put(`c:${name}`, set);
    for (const [name, set] of this.items) put(`i:${name}`, set);
    for (const [name, set] of this.evidence) put(`e:${name}`, set);
    return {
      v: 1,
      detectionId: this.detectionId,
      cluster: this.cluster,
      key: this.key,
      windowStart: this.windowStart,
      windowMs: this.windowMs,
      first: this.first,
      last: this.last,
      actorTypes: Object.fromEntries(this.actorTypes),
      sets,
      saturated,
    };
  }

  static fromJSON(json: IncidentStateJson): IncidentState {
    const state = new IncidentState(json.detectionId, json.cluster, json.key, json.windowStart, json.windowMs);
    state.first = json.first;
    state.last = json.last;
    const saturated = new Set(json.saturated);
    for (const [name, entries] of Object.entries(json.sets)) {
      const isSaturated = saturated.has(name);
      if (name === "events") state.events.mergeFrom(TimedSet.fromJSON(entries, CAPS.events, isSaturated));
      else if (name === "observations") state.observations.mergeFrom(TimedSet.fromJSON(entries, CAPS.observations, isSaturated));
      else if (name.startsWith("c:")) state.context.get(name.slice(2) as ContextSet)?.mergeFrom(TimedSet.fromJSON(entries, CAPS.context, isSaturated));
      else if (name.startsWith("i:")) state.items.set(name.slice(2), TimedSet.fromJSON(entries, CAPS.items, isSaturated));
      else if (name.startsWith("e:")) state.evidence.set(name.slice(2), TimedSet.fromJSON(entries, CAPS.evidence, isSaturated));
    }
    for (const [actor, type] of Object.entries(json.actorTypes)) state.actorTypes.set(actor, type);
    return state;
  }
}

function mergeSets(into: Map<string, TimedSet>, from: Map<string, TimedSet>, cap: number): void {
  for (const [name, set] of from) {
    let target = into.get(name);
    if (target === undefined) {
      target = new TimedSet(cap);
      into.set(name, target);
    }
    target.mergeFrom(set);
  }
}
