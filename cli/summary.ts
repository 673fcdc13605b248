/**
 * The end-of-replay summary: what was read, what was set aside, what was found. One model, two renderings:
 * a table for people (stderr) and JSON for tools (`--json`).
 */
import type { IncidentRow } from "../pipeline/incidents/incidentRow.js";
import type { ReplayResult } from "../pipeline/replay/runReplay.js";

const SEVERITY_ORDER = ["High", "Medium", "Low", "Informational"] as const;
const TOP_ACTORS = 5;

/** Keeps the latest revision of each incident, to count incidents (not rows). */
export class IncidentTally {
  private readonly latest = new Map<string, IncidentRow>();
  rows = 0;

  add(row: IncidentRow): void {
    this.rows++;
    const seen = this.latest.get(row.IncidentId);
    if (!seen || seen.Revision < row.Revision) this.latest.set(row.IncidentId, row);
  }

  get incidents(): readonly IncidentRow[] {
    return [...this.latest.values()];
  }
}

export interface ReplaySummary {
  readonly status: "done" | "stopped";
  readonly seconds: number;
  readonly eventsPerSecond: number;
  readonly workers: number;
  readonly files: { readonly read: number; readonly total: number; readonly skippedByTime: number };
  readonly bytes: { readonly read: number; readonly total: number };
  readonly messages: number;
  readonly records: number;
  readonly events: number;
  readonly skipped: Readonly<Record<string, number>>;
  readonly quarantined: number;
  readonly outsideRange: number;
  /** Events older than the reorder window allowed (processed when read), and events after their detection window closed. */
  readonly late: { readonly reorderWindow: number; readonly detectionWindow: number };
  readonly suppressed: number;
  readonly firstEventTime: string | null;
  readonly lastEventTime: string | null;
  readonly incidents: {
    readonly total: number;
    readonly rows: number;
    readonly byDetection: Readonly<Record<string, Readonly<Record<string, number>>>>;
  };
  readonly topActors: readonly { readonly actor: string; readonly incidents: number; readonly bySeverity: Readonly<Record<string, number>> }[];
}

export function summarize(result: ReplayResult, tally: IncidentTally, seconds: number): ReplaySummary {
  const { stats, read } = result;
  const byDetection: Record<string, Record<string, number>> = {};
  const byActor = new Map<string, Record<string, number>>();
  for (const row of tally.incidents) {
    const detection = byDetection[row.DetectionId] ?? {};
    detection[row.Severity] = (detection[row.Severity] ?? 0) + 1;
    byDetection[row.DetectionId] = detection;
    const actor = byActor.get(row.Actor) ?? {};
    actor[row.Severity] = (actor[row.Severity] ?? 0) + 1;
    byActor.set(row.Actor, actor);
  }
  const topActors = [...byActor]
    .map(([actor, bySeverity]) => ({ actor, incidents: sum(bySeverity), bySeverity }))
    .sort((a, b) => (b.bySeverity.High ?? 0) - (a.bySeverity.High ?? 0) || b.incidents - a.incidents || a.actor.localeCompare(b.actor))
    .slice(0, TOP_ACTORS);
  return {
    status: result.aborted ? "stopped" : "done",
    seconds: round(seconds, 3),
    eventsPerSecond: seconds > 0 ? Math.round(stats.events / seconds) : 0,
    workers: result.workers,
    files: { read: read.filesOpened, total: read.filesTotal, skippedByTime: read.filesSkipped },
    bytes: { read: read.bytesRead, total: read.bytesTotal },
    messages: stats.messages,
    records: stats.records,
    events: stats.events,
    skipped: { ...stats.skipped },
    quarantined: stats.quarantined,
    outsideRange: read.outsideRange,
    late: { reorderWindow: read.late, detectionWindow: stats.late },
    suppressed: stats.suppressed,
    firstEventTime: Number.isFinite(read.firstEventTime) ? new Date(read.firstEventTime).toISOString() : null,
    lastEventTime: Number.isFinite(read.lastEventTime) ? new Date(read.lastEventTime).toISOString() : null,
    incidents: { total: tally.incidents.length, rows: tally.rows, byDetection },
    topActors,
  };
}

export function formatSummary(s: ReplaySummary, notes: { reorderWindow: string; quarantineFile: string | undefined }): string {
  const n = (x: number) => x.toLocaleString("en-US");
  const skipped = Object.entries(s.skipped);
  const lines = [
    "",
    `kubetrail replay ${s.status} in ${s.seconds.toFixed(2)} s (${n(s.eventsPerSecond)} events/s, ${s.workers === 1 ? "parsed on the main thread" : `${s.workers} parse workers`})`,
    `  files ${s.files.read} of ${s.files.total}${s.files.skippedByTime ? ` (${s.files.skippedByTime} more outside --from/--to, not opened)` : ""}, ${mib(s.bytes.read)} read, messages ${s.messages}, records ${s.records}`,
    `  audit events ${s.events}, skipped ${sum(s.skipped)}${skipped.length ? ` (${skipped.map(([c, k]) => `${c} ${k}`).join(", ")})` : ""}, quarantined ${s.quarantined}${
      s.quarantined ? (notes.quarantineFile ? ` (see ${notes.quarantineFile})` : " (write them with --quarantine FILE)") : ""
    }${s.outsideRange ? `, outside --from/--to ${s.outsideRange}` : ""}`,
    `  event time ${s.firstEventTime ?? "-"} to ${s.lastEventTime ?? "-"}`,
    `  suppressed by allowlists ${s.suppressed}, late ${s.late.reorderWindow} (beyond the ${notes.reorderWindow} reorder window; processed as read), ${s.late.detectionWindow} after their detection window closed`,
    `  incidents ${s.incidents.total} (${s.incidents.rows} rows)`,
  ];
  const detections = Object.keys(s.incidents.byDetection).sort();
  if (detections.length) {
    const width = Math.max(22, ...detections.map((d) => d.length));
    lines.push(`    ${"detection".padEnd(width)} ${SEVERITY_ORDER.map((sev) => sev.padStart(sev.length)).join("  ")}`);
    for (const detection of detections) {
      const counts = s.incidents.byDetection[detection] ?? {};
      lines.push(`    ${detection.padEnd(width)} ${SEVERITY_ORDER.map((sev) => String(counts[sev] ?? "-").padStart(sev.length)).join("  ")}`);
    }
  }
  if (s.topActors.length) {
    lines.push("  top actors");
    const width = Math.max(22, ...s.topActors.map((a) => a.actor.length));
    for (const a of s.topActors) {
      const severities = SEVERITY_ORDER.filter((sev) => a.bySeverity[sev]).map((sev) => `${sev} ${a.bySeverity[sev]}`);
      lines.push(`    ${a.actor.padEnd(width)} ${a.incidents} incident${a.incidents === 1 ? "" : "s"} (${severities.join(", ")})`);
    }
  }
  return `${lines.join("\n")}\n`;
}

function sum(counts: Readonly<Record<string, number>>): number {
  let total = 0;
  for (const count of Object.values(counts)) total += count;
  return total;
}

function mib(bytes: number): string {
  return bytes >= 1 << 30 ? `${(bytes / 2 ** 30).toFixed(2)} GiB` : `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}

function round(x: number, digits: number): number {
  return Number(x.toFixed(digits));
}
