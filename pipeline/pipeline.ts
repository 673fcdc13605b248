/**
 * The pipeline every driver shares (Function, replay CLI, tests): decode → normalize → detect → state →
 * incident rows. A batch never throws for bad input: bad records come back quarantined with their place.
 */
import { allDetections } from "../detections/index.js";
import { type ResolvedSettings, resolveSettings } from "./config/settings.js";
import { type AuditRecord, type DecodeSink, decodeMessage, type RecordDefaults } from "./decode/decodeMessage.js";
import type { SourceLocation } from "./decode/location.js";
import { type QuarantineEntry, quarantineEntry } from "./decode/quarantine.js";
import type { Detection } from "./detect/detection.js";
import { DetectionEngine } from "./detect/engine.js";
import { PreparedBatch } from "./detect/preparedBatch.js";
import type { IncidentRow } from "./incidents/incidentRow.js";
import { normalizeAuditRecord } from "./normalize/normalizeAuditRecord.js";
import { MemoryStateStore } from "./state/memoryStateStore.js";
import type { StateStore } from "./state/stateStore.js";
import { emptyStats, type PipelineStats } from "./stats.js";

export interface PipelineOptions {
  readonly detections?: readonly Detection[];
  /** Resolved settings; defaults to every detection's defaults. */
  readonly settings?: ResolvedSettings;
  /** Shared by every instance of a scaled-out deployment; defaults to a fresh in-memory store. */
  readonly store?: StateStore;
  readonly clock?: () => Date;
  /** Applied to records whose envelope does not name a cluster. */
  readonly recordDefaults?: RecordDefaults;
}

export interface InputMessage {
  /** A message body: JSON text, bytes, or a value the Functions host already parsed. */
  readonly body: unknown;
  readonly location: SourceLocation;
}

export interface BatchResult {
  readonly incidents: IncidentRow[];
  readonly quarantined: QuarantineEntry[];
  readonly stats: PipelineStats;
}

export class Pipeline {
  readonly detections: readonly Detection[];
  private readonly engine: DetectionEngine;
  private readonly recordDefaults: RecordDefaults | undefined;

  constructor(options: PipelineOptions = {}) {
    this.detections = options.detections ?? allDetections;
    this.engine = new DetectionEngine({
      detections: this.detections,
      settings: options.settings ?? resolveSettings(this.detections),
      store: options.store ?? new MemoryStateStore(),
      clock: options.clock,
    });
    this.recordDefaults = options.recordDefaults;
  }

  /** The latest event time this instance processed (-Infinity before the first event). */
  get watermark(): number {
    return this.engine.watermark;
  }

  /**
   * Decodes messages and normalizes their records into `into`, keeping only what detection needs of the
   * events some detection selects: the rest are counted and dropped at once.
   */
  decode(messages: readonly InputMessage[], into: DecodedBatch = new DecodedBatch()): DecodedBatch {
    const sink = new NormalizingSink(into, this.engine);
    for (const message of messages) {
      into.stats.messages++;
      decodeMessage(message.body, message.location, sink, this.recordDefaults);
    }
    return into;
  }

  /** One Event Hub batch, or one replay batch: messages in, incident rows out. */
  async processMessages(messages: readonly InputMessage[]): Promise<BatchResult> {
    return this.processDecoded(this.decode(messages));
  }

  async processDecoded(batch: DecodedBatch): Promise<BatchResult> {
    const incidents = await this.engine.process(batch.prepared, batch.stats, batch.latestEventTime);
    batch.stats.incidents += incidents.length;
    return { incidents, quarantined: batch.quarantined, stats: batch.stats };
  }
}

/** What some messages held: the events detections need, and what was skipped or quarantined on the way. */
export class DecodedBatch {
  /** What detection kept of the events decoded into this batch (see detect/preparedBatch.ts). */
  readonly prepared = new PreparedBatch();
  readonly quarantined: QuarantineEntry[] = [];
  readonly stats: PipelineStats = emptyStats();
  /** The latest event time of every event decoded, selected or not: the engine's watermark. */
  latestEventTime = Number.NEGATIVE_INFINITY;
}

/** Normalizes and prepares each record as the decoder finds it, so that only what detection needs outlives it. */
class NormalizingSink implements DecodeSink {
  constructor(
    private readonly batch: DecodedBatch,
    private readonly engine: DetectionEngine,
  ) {}

  record(record: AuditRecord): void {
    const { batch } = this;
    batch.stats.records++;
    const result = normalizeAuditRecord(record);
    if (!result.ok) {
      batch.quarantined.push(quarantineEntry(result.reason, record.location, record.log));
      batch.stats.quarantined++;
      return;
    }
    const event = result.event;
    batch.stats.events++;
    if (event.time > batch.latestEventTime) batch.latestEventTime = event.time;
    this.engine.prepare(event, batch.prepared, batch.stats);
  }

  skip(category: string): void {
    const { stats } = this.batch;
    stats.records++;
    stats.skipped[category] = (stats.skipped[category] ?? 0) + 1;
  }

  quarantine(entry: QuarantineEntry): void {
    this.batch.quarantined.push(entry);
    this.batch.stats.records++;
    this.batch.stats.quarantined++;
  }
}
