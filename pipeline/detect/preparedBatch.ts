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

  copy(): PreparedBatch {
    const copy = new PreparedBatch();
    copy.observed.push(...this.observed);
    copy.inOrder.push(...this.inOrder);
    return copy;
  }

  deferred(): Deferred[] {
    return this.inOrder.filter(isDeferred);
  }
}

export function isDeferred(item: Deferred | EarlyLesson): item is Deferred {
  return "event" in item;
}

const NO_RECALL: Recall = () => undefined;

export class EventPreparer {
  private readonly index: SelectionIndex;

  constructor(
    detections: readonly Detection[],
    private readonly settings: ResolvedSettings,
  ) {
    this.index = new SelectionIndex(detections.filter((d) => this.settingsOf(d).enabled));
  }

  /** Selects, folds what needs no memory, and keeps what does; false when nothing of the event is kept. */
  prepare(event: AuditEvent, into: PreparedBatch, stats: SelectionStats): boolean {
    const candidates = this.index.candidates(event);
    if (candidates.length === 0) return false;
    let slim: AuditEvent | undefined;
    let kept = false;
    for (let i = 0; i < candidates.length; i++) {
      const detection = candidates[i] as Detection;
      const settings = this.settingsOf(detection);
      stats.selected++;
      const suppressed = isSuppressed(event, settings);
      if (suppressed) stats.suppressed++;
      const memory = detection.memory;
      if (memory && memory.keys(event).length > 0) {
        into.inOrder.push({ detection, settings, event, suppressed });
        kept = true;
        continue;
      }
      if (memory) {
        const lessons = lessonsOf(memory.remember(event, NO_RECALL));
        for (const lesson of lessons) into.inOrder.push({ detection, cluster: event.cluster.resourceId, time: event.time, lesson });
        kept ||= lessons.length > 0;
      }
      if (suppressed) continue;
      const observation = detection.fold(event, settings, NO_RECALL);
      if (!observation) continue;
      slim ??= withoutBodies(event);
      into.observed.push({ detection, settings, event: slim, observation });
      kept = true;
    }
    return kept;
  }

  private settingsOf(detection: Detection): BaseSettings {
    const settings = this.settings.get(detection.id);
    if (!settings) throw new Error(`no settings resolved for detection ${detection.id}`);
    return settings;
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
