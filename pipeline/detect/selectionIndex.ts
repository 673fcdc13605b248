/**
 * Detections indexed by what they select, so an event no detection needs costs two map lookups.
 */
import type { ActorType, AuditEvent } from "../normalize/auditEvent.js";
import type { Detection } from "./detection.js";

interface Entry {
  readonly detection: Detection;
  readonly verbs: ReadonlySet<string> | undefined;
}

const NONE: readonly Detection[] = [];

export class SelectionIndex {
  private readonly byResource = new Map<string, Entry[]>();
  private readonly byActorType = new Map<ActorType, Detection[]>();

  constructor(detections: readonly Detection[]) {
    for (const detection of detections) {
      const { resources, actorTypes, verbs } = detection.select;
      const verbSet = verbs ? new Set(verbs) : undefined;
      for (const resource of resources ?? []) push(this.byResource, resource, { detection, verbs: verbSet });
      for (const type of actorTypes ?? []) push(this.byActorType, type, detection);
    }
  }

  /** Detections that select this event, each once, in registration order within each index. */
  candidates(event: AuditEvent): readonly Detection[] {
    const byActor = this.byActorType.get(event.actorType);
    const ref = event.objectRef;
    const byResource = ref ? this.byResource.get(ref.subresource ? `${ref.resource}/${ref.subresource}` : ref.resource) : undefined;
    if (byResource === undefined) return byActor ?? NONE;
    const out: Detection[] = byActor ? [...byActor] : [];
    for (const entry of byResource) {
      if (entry.verbs && !entry.verbs.has(event.verb)) continue;
      if (!out.includes(entry.detection)) out.push(entry.detection);
    }
    return out;
  }
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
