/** The end-of-replay summary on stderr: what was read, what was set aside, what was found. */
import type { IncidentRow } from "../pipeline/incidents/incidentRow.js";
import { type PipelineStats, totalSkipped } from "../pipeline/stats.js";

/** Keeps the latest revision of each incident, to count incidents (not rows) by detection and severity. */
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

export function formatSummary(args: {
  stats: PipelineStats;
  files: number;
  seconds: number;
  tally: IncidentTally;
  aborted: boolean;
  quarantineFile: string | undefined;
}): string {
  const { stats, tally } = args;
  const rate = args.seconds > 0 ? Math.round(stats.events / args.seconds) : 0;
  const lines = [
    "",
    `kubetrail replay ${args.aborted ? "stopped" : "done"} in ${args.seconds.toFixed(2)} s (${rate.toLocaleString("en-US")} events/s)`,
    `  files ${args.files}, messages ${stats.messages}, records ${stats.records}`,
    `  audit events ${stats.events}, skipped ${totalSkipped(stats)}${formatSkipped(stats.skipped)}, quarantined ${stats.quarantined}${stats.quarantined && args.quarantineFile ? ` (see ${args.quarantineFile})` : stats.quarantined ? " (write them with --quarantine FILE)" : ""}`,
    `  suppressed by allowlists ${stats.suppressed}, late ${stats.late}`,
    `  incidents ${tally.incidents.length} (${tally.rows} rows)`,
  ];
  const byDetection = new Map<string, Map<string, number>>();
  for (const row of tally.incidents) {
    const bySeverity = byDetection.get(row.DetectionId) ?? new Map<string, number>();
    bySeverity.set(row.Severity, (bySeverity.get(row.Severity) ?? 0) + 1);
    byDetection.set(row.DetectionId, bySeverity);
  }
  for (const [detection, bySeverity] of [...byDetection].sort(([a], [b]) => a.localeCompare(b))) {
    const parts = ["High", "Medium", "Low", "Informational"].filter((s) => bySeverity.has(s)).map((s) => `${s} ${bySeverity.get(s)}`);
    lines.push(`    ${detection.padEnd(22)} ${parts.join(", ")}`);
  }
  return `${lines.join("\n")}\n`;
}

function formatSkipped(skipped: Record<string, number>): string {
  const entries = Object.entries(skipped);
  return entries.length ? ` (${entries.map(([c, n]) => `${c} ${n}`).join(", ")})` : "";
}
