/**
 * Runs detections over a batch of events: select through the index, fold into keyed windowed state,
 * and merge that state into the store once per touched key. Each merged state that changes is evaluated
 * as it is written, and its incident revision is committed with that write: a revision is emitted exactly
 * once, whichever instance or redelivery gets there first, and never lost between the two.
 */
import { buildIncidentRow, emissionIdOf, incidentIdOf, revisionOf } from "../incidents/buildIncidentRow.js";
import type { IncidentRow } from "../incidents/incidentRow.js";
import type { AuditEvent } from "../normalize/auditEvent.js";
import type { ResolvedSettings } from "../config/settings.js";
import type { EmitFn, StateCodec, StateEntry, StateStore } from "../state/stateStore.js";
import type { Detection, Observation, Recall, RememberedFacts } from "./detection.js";
import { CAPS, IncidentState, type IncidentStateJson } from "./incidentState.js";
import { type Deferred, EventPreparer, isDeferred, lessonsOf, type Observed, type PreparedBatch } from "./preparedBatch.js";

export interface EngineOptions {
  readonly detections: readonly Detection[];
  readonly settings: ResolvedSettings;
  readonly store: StateStore;
  /** Wall clock for TimeGenerated only; detection time is always event time. */
  readonly clock?: () => Date;
  /** How long after its window closed (in event time) state is kept for late events. Default 60. */
  readonly latenessMinutes?: number;
  /**
   * How stale (wall clock) a detection's memory may be when read: a fact another instance learned is seen
   * within this time; this instance's own are seen at once. Default 60 s. Without it, every batch that
   * touches a stateful detection would read its memory again: 30 reads per 1,000 events on a busy cluster.
   */
  readonly memoryStalenessMs?: number;
}

export interface DetectStats {
  /** (event, detection) pairs the index selected. */
  selected: number;
  /** Pairs dropped by allowlists. */
  suppressed: number;
  /** Pairs that arrived after their window (plus the lateness) had closed in event time. */
  late: number;
  /** Incident revisions evaluated from a new state but already emitted from another (same revision). */
  alreadyEmitted: number;
}

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

export class DetectionEngine {
  private readonly preparer: EventPreparer;
  private readonly store: StateStore;
  private readonly clock: () => Date;
  private readonly latenessMs: number;
  private readonly memoryStalenessMs: number;
  private latestEventTime = Number.NEGATIVE_INFINITY;

  constructor(options: EngineOptions) {
    this.preparer = new EventPreparer(options.detections, options.settings);
    this.store = options.store;
    this.clock = options.clock ?? (() => new Date());
    this.latenessMs = (options.latenessMinutes ?? 60) * MINUTE;
    this.memoryStalenessMs = options.memoryStalenessMs ?? MINUTE;
  }

  /**
   * The latest event time this engine has processed. State whose window closed more than the lateness
   * before it is no longer needed by this engine; the driver sweeps with the minimum over all instances.
   */
  get watermark(): number {
    return this.latestEventTime;
  }

  /**
   * Selects an event and folds it for the detections that need no memory for it, as it is decoded; see
   * preparedBatch.ts. False when nothing of the event needs keeping.
   */
  prepare(event: AuditEvent, into: PreparedBatch, stats: DetectStats): boolean {
    return this.preparer.prepare(event, into, stats);
  }

  /**
   * Runs a batch: `prepared` holds what `prepare` kept of its events. `latestEventTime` is the latest
   * time of the whole batch, selected or not, so the watermark moves with the stream.
   */
  async process(prepared: PreparedBatch, stats: DetectStats, latestEventTime: number): Promise<IncidentRow[]> {
    const batchMax = Math.max(this.latestEventTime, latestEventTime);
    if (prepared.empty) {
      this.latestEventTime = batchMax;
      return [];
    }

    const memory = await this.loadMemory(prepared.deferred());
    const deltas = new Map<string, StateEntry<IncidentState>>();
    const detectionOfKey = new Map<string, Observed>();
    const observe = (item: Observed) => {
      const { detection, settings, event, observation } = item;
      const windowMs = settings.windowMinutes * MINUTE;
      const windowStart = Math.floor(event.time / windowMs) * windowMs;
      const expiresAt = windowStart + windowMs + this.latenessMs;
      // Folded all the same: dropping it would make results depend on arrival order, and one corrupt
      // far-future timestamp would otherwise silence this instance. If its window was swept already, the
      // incident is restated from this event with a lower revision, which `arg_max(Revision)` ignores.
      if (expiresAt < this.latestEventTime) stats.late++;
      const key = stateKeyOf(detection.id, event.cluster.resourceId, observation.key, windowStart);
      let entry = deltas.get(key);
      if (!entry) {
        entry = { value: new IncidentState(detection.id, event.cluster, observation.key, windowStart, windowMs), expiresAt };
        deltas.set(key, entry);
        detectionOfKey.set(key, item);
      }
      applyObservation(entry.value, event, observation);
    };
    for (const item of prepared.observed) observe(item);
    for (const item of prepared.inOrder) {
      if (!isDeferred(item)) {
        memory.learn(item.detection, item.cluster, item.lesson.object, item.time, item.lesson.facts, item.detection.memory?.ttlDays ?? 0);
        continue;
      }
      const { detection, settings, event } = item;
      const cluster = event.cluster.resourceId;
      const recall = memory.recall(detection, cluster);
      if (detection.memory) {
        for (const lesson of lessonsOf(detection.memory.remember(event, recall)))
          memory.learn(detection, cluster, lesson.object, event.time, lesson.facts, detection.memory.ttlDays);
      }
      if (item.suppressed) continue;
      const observation = detection.fold(event, settings, recall);
      if (observation) observe({ detection, settings, event, observation });
    }
    // Concurrent batches on one engine may finish out of order: the watermark only moves forward.
    this.latestEventTime = Math.max(this.latestEventTime, batchMax);

    const built = new Map<string, IncidentRow>();
    const emit: EmitFn<IncidentState> = (key, state) => {
      const item = detectionOfKey.get(key) as Observed;
      const finding = item.detection.evaluate(state, item.settings);
      if (!finding) return undefined;
      const incidentId = incidentIdOf(key);
      const revision = revisionOf(state, finding);
      const row = buildIncidentRow({
        detection: item.detection,
        state,
        finding,
        incidentId,
        revision,
        severity: item.settings.severity ?? finding.severity,
        now: this.clock(),
      });
      const id = emissionIdOf(row);
      built.set(id, row);
      return { id, row: JSON.stringify(row) };
    };
    // Both settle before the batch does: a batch that fails must leave no write of its own still in flight
    // (it would land after the host's retry began). A state write that landed keeps its emissions in the
    // outbox, which the deliver timer sends once their first lease runs out.
    const [written, flushed] = await Promise.allSettled([this.store.mergeWrite(deltas, incidentStateCodec, emit), memory.flush()]);
    if (written.status === "rejected") throw written.reason;
    if (flushed.status === "rejected") throw flushed.reason;
    const merged = written.value;
    const rows: IncidentRow[] = [];
    for (const outcome of merged.values()) {
      if (outcome.emitted) rows.push(built.get(outcome.emitted.id) as IncidentRow);
      else if (outcome.alreadyEmitted) stats.alreadyEmitted++;
    }
    return rows;
  }

  private async loadMemory(work: readonly Deferred[]): Promise<MemoryView> {
    const keys = new Set<string>();
    for (const { detection, event } of work) {
      if (!detection.memory) continue;
      for (const object of detection.memory.keys(event)) keys.add(memoryKeyOf(detection.id, event.cluster.resourceId, object));
    }
    const loaded = keys.size ? await this.store.read([...keys], rememberedCodec, { maxStaleMs: this.memoryStalenessMs }) : new Map<string, Remembered>();
    return new MemoryView(loaded, this.store);
  }
}

function applyObservation(state: IncidentState, event: AuditEvent, observation: Observation): void {
  const t = event.time;
  if (t < state.first) state.first = t;
  if (t > state.last) state.last = t;
  state.events.add(event.auditId, t);
  state.observations.add(`${event.auditId} ${event.stage}`, t);
  const username = event.user.username;
  state.context.get("actors")?.add(username, t);
  if (!state.actorTypes.has(username)) state.actorTypes.set(username, event.actorType);
  const groups = state.context.get("groups");
  for (const group of event.user.groups) if (group) groups?.add(group, t);
  const ip = event.sourceIps[0];
  if (ip) state.context.get("sourceIps")?.add(ip, t);
  if (event.userAgent) state.context.get("userAgents")?.add(event.userAgent, t);
  const ref = event.objectRef;
  if (ref?.namespace) state.context.get("namespaces")?.add(ref.namespace, t);
  if (ref?.name) state.context.get("targets")?.add(`${ref.resource}/${ref.namespace}/${ref.name}`, t);
  addAll(state, state.items, observation.items, t, CAPS.items);
  addAll(state, state.evidence, observation.evidence, t, CAPS.evidence);
}

function addAll(state: IncidentState, into: IncidentState["items"], values: Observation["items"], time: number, cap: number): void {
  if (!values) return;
  for (const name of Object.keys(values)) {
    const value = values[name];
    if (value === undefined) continue;
    if (typeof value === "string") state.addTo(into, name, value, time, cap);
    else for (const v of value) state.addTo(into, name, v, time, cap);
  }
}

/** The state key: detection, cluster, detection key, window. Its hash is the IncidentId. */
export function stateKeyOf(detectionId: string, clusterResourceId: string, key: readonly string[], windowStart: number): string {
  return JSON.stringify([detectionId, clusterResourceId, ...key, windowStart]);
}

function memoryKeyOf(detectionId: string, clusterResourceId: string, object: string): string {
  return JSON.stringify(["memory", detectionId, clusterResourceId, object]);
}

export const incidentStateCodec: StateCodec<IncidentState> = {
  merge(into, from) {
    into.mergeFrom(from);
    return into;
  },
  encode: (value) => JSON.stringify(value),
  decode: (text) => IncidentState.fromJSON(JSON.parse(text) as IncidentStateJson),
};

/** A remembered object: the facts of its latest event (last writer wins, by event time, ties by content). */
interface Remembered {
  readonly time: number;
  readonly facts: RememberedFacts;
}

const rememberedCodec: StateCodec<Remembered> = {
  merge(into, from) {
    if (from.time !== into.time) return from.time > into.time ? from : into;
    return JSON.stringify(from.facts) > JSON.stringify(into.facts) ? from : into;
  },
  encode: (value) => JSON.stringify(value),
  decode: (text) => JSON.parse(text) as Remembered,
};

/** The batch's view of remembered objects: loaded once, updated in event order, written back once. */
class MemoryView {
  private readonly changed = new Map<string, StateEntry<Remembered>>();

  constructor(
    private readonly known: Map<string, Remembered>,
    private readonly store: StateStore,
  ) {}

  recall(detection: Detection, cluster: string): Recall {
    return (object) => this.known.get(memoryKeyOf(detection.id, cluster, object))?.facts;
  }

  learn(detection: Detection, cluster: string, object: string, time: number, facts: RememberedFacts, ttlDays: number): void {
    const key = memoryKeyOf(detection.id, cluster, object);
    const learned = { time, facts };
    const known = this.known.get(key);
    const next = known ? rememberedCodec.merge(known, learned) : learned;
    this.known.set(key, next);
    this.changed.set(key, { value: next, expiresAt: next.time + ttlDays * DAY });
  }

  async flush(): Promise<void> {
    if (this.changed.size) await this.store.mergeWrite(this.changed, rememberedCodec);
  }
}
