/**
 * Selection and the part of detection that needs no stored state, done as each event is decoded: the
 * detections that select an event fold it at once unless they must recall memory for it, and only the
 * small parts of the event the incident needs are kept (never its request and response bodies). A batch
 * of ten thousand records then holds a few observations instead of thousands of parsed pod specs, which
 * would otherwise outlive the young generation and cost more in garbage collection than detection itself.
 */
import type { ResolvedSettings } from "../config/settings.js";
import type { AuditEvent } from "../normalize/auditEvent.js";
import type { BaseSettings, Detection, Lesson, Observation, Recall } from "./detection.js";
import { matcherFor } from "./patterns.js";
import { SelectionIndex } from "./selectionIndex.js";

/** An event a detection folded as it was decoded, kept without its bodies. */
export interface Observed {
  readonly detection: Detection;
  readonly settings: BaseSettings;
  readonly event: AuditEvent;
  readonly observation: Observation;
}

/** An event a detection can only fold (or learn from) once its memory is loaded: kept whole. */
export interface Deferred {
  readonly detection: Detection;
  readonly settings: BaseSettings;
  readonly event: AuditEvent;
  /** Allowlisted: still teaches memory (AKS creates bindings people later change), never folded. */
  readonly suppressed: boolean;
}

/** What an event that needed no lookup taught a detection's memory. */
export interface EarlyLesson {
  readonly detection: Detection;
  readonly cluster: string;
  readonly time: number;
  readonly lesson: Lesson;
}

export interface SelectionStats {
  /** (event, detection) pairs the index selected. */
  selected: number;
  /** Pairs dropped by allowlists. */
  suppressed: number;
}

export class PreparedBatch {
  readonly observed: Observed[] = [];
  /**
   * Events that wait for memory and lessons learned on the way, in input order: memory is replayed in
   * that order, so what a batch learns never depends on how the input was cut into batches.
   */
  readonly inOrder: (Deferred | EarlyLesson)[] = [];

  get empty(): boolean {
    return this.observed.length === 0 && this.inOrder.length === 0;
  }

  deferred(): Deferred[] {
    return this.inOrder.filter(isDeferred);
  }
}

export function isDeferred(item: Deferred | EarlyLesson): item is Deferred {
  return "event" in item;
}

/**
 * What preparation kept of one event, as plain data that crosses threads (detections named by id): a
 * replay's parse workers prepare events and send only this. Most events keep nothing; most kept ones go
 * without their bodies; only those a detection must recall memory for go whole.
 */
export interface PreparedEvent {
  readonly cluster: string;
  readonly time: number;
  /** The event without its bodies, for what detections folded at once. */
  readonly slim: AuditEvent | undefined;
  /** The whole event, when some detection must recall memory to fold it. */
  readonly whole: AuditEvent | undefined;
  readonly observed: readonly { readonly detection: string; readonly observation: Observation }[];
  /** Deferred folds and lessons, in the order preparation met them. */
  readonly inOrder: readonly PreparedStep[];
}

export type PreparedStep =
  | { readonly detection: string; readonly deferred: true; readonly suppressed: boolean }
  | { readonly detection: string; readonly deferred: false; readonly lesson: Lesson };

const NO_RECALL: Recall = () => undefined;
const NONE: readonly never[] = [];

export class EventPreparer {
  private readonly index: SelectionIndex;
  private readonly byId = new Map<string, { readonly detection: Detection; readonly settings: BaseSettings }>();

  constructor(detections: readonly Detection[], settings: ResolvedSettings) {
    for (const detection of detections) {
      const resolved = settings.get(detection.id);
      if (!resolved) throw new Error(`no settings resolved for detection ${detection.id}`);
      if (resolved.enabled) this.byId.set(detection.id, { detection, settings: resolved });
    }
    this.index = new SelectionIndex([...this.byId.values()].map((d) => d.detection));
  }

  /** Selects, folds what needs no memory, and keeps what does into `into`; false when nothing of the event is kept. */
  prepare(event: AuditEvent, into: PreparedBatch, stats: SelectionStats): boolean {
    const prepared = this.prepareEvent(event, stats);
    if (prepared) this.absorb(prepared, into);
    return prepared !== undefined;
  }

  /** What detection keeps of one event, as plain data; undefined when nothing is kept. */
  prepareEvent(event: AuditEvent, stats: SelectionStats): PreparedEvent | undefined {
    const candidates = this.index.candidates(event);
    if (candidates.length === 0) return undefined;
    // Allocated when first needed: most selected events keep nothing.
    let observed: { detection: string; observation: Observation }[] | undefined;
    let inOrder: PreparedStep[] | undefined;
    for (let i = 0; i < candidates.length; i++) {
      const detection = candidates[i] as Detection;
      const settings = this.entryOf(detection.id).settings;
      stats.selected++;
      const suppressed = isSuppressed(event, settings);
      if (suppressed) stats.suppressed++;
      const memory = detection.memory;
      if (memory && memory.keys(event).length > 0) {
        if (!inOrder) inOrder = [];
        inOrder.push({ detection: detection.id, deferred: true, suppressed });
        continue;
      }
      if (memory) {
        for (const lesson of lessonsOf(memory.remember(event, NO_RECALL))) {
          if (!inOrder) inOrder = [];
          inOrder.push({ detection: detection.id, deferred: false, lesson });
        }
      }
      if (suppressed) continue;
      const observation = detection.fold(event, settings, NO_RECALL);
      if (observation) {
        if (!observed) observed = [];
        observed.push({ detection: detection.id, observation });
      }
    }
    if (!observed && !inOrder) return undefined;
    return {
      cluster: event.cluster.resourceId,
      time: event.time,
      slim: observed ? withoutBodies(event) : undefined,
      whole: inOrder?.some((step) => step.deferred) ? event : undefined,
      observed: observed ?? NONE,
      inOrder: inOrder ?? NONE,
    };
  }

  /** Adds a prepared event to a batch, with its detections and settings; it must come from a preparer of the same detections. */
  absorb(prepared: PreparedEvent, into: PreparedBatch): void {
    for (const { detection, observation } of prepared.observed) {
      const entry = this.entryOf(detection);
      into.observed.push({ detection: entry.detection, settings: entry.settings, event: prepared.slim as AuditEvent, observation });
    }
    for (const step of prepared.inOrder) {
      const { detection, settings } = this.entryOf(step.detection);
      if (step.deferred) into.inOrder.push({ detection, settings, event: prepared.whole as AuditEvent, suppressed: step.suppressed });
      else into.inOrder.push({ detection, cluster: prepared.cluster, time: prepared.time, lesson: step.lesson });
    }
  }

  private entryOf(id: string): { readonly detection: Detection; readonly settings: BaseSettings } {
    const entry = this.byId.get(id);
    if (!entry) throw new Error(`prepared event names detection ${id}, which this preparer does not run`);
    return entry;
  }
}

/** What `Memory.remember` returned, as a list. */
export function lessonsOf(learned: Lesson | readonly Lesson[] | undefined): readonly Lesson[] {
  return learned === undefined ? [] : Array.isArray(learned) ? learned : [learned as Lesson];
}

function isSuppressed(event: AuditEvent, settings: BaseSettings): boolean {
  if (settings.allowActors.length && matcherFor(settings.allowActors)(event.user.username)) return true;
  const ns = event.objectRef?.namespace;
  return ns !== undefined && ns !== "" && settings.allowNamespaces.length > 0 && matcherFor(settings.allowNamespaces)(ns);
}

function withoutBodies(event: AuditEvent): AuditEvent {
  if (event.requestObject === undefined && event.responseObject === undefined) return event;
  return { ...event, requestObject: undefined, responseObject: undefined };
}
