/** Counters every driver reports: what was read, what was used, what was set aside, and why. */
export interface PipelineStats {
  messages: number;
  records: number;
  events: number;
  /** Records of other diagnostic categories, by category. */
  skipped: Record<string, number>;
  quarantined: number;
  selected: number;
  suppressed: number;
  late: number;
  alreadyEmitted: number;
  incidents: number;
}

export function emptyStats(): PipelineStats {
  return {
    messages: 0,
    records: 0,
    events: 0,
    skipped: Object.create(null) as Record<string, number>,
    quarantined: 0,
    selected: 0,
    suppressed: 0,
    late: 0,
    alreadyEmitted: 0,
    incidents: 0,
  };
}

export function addStats(into: PipelineStats, from: PipelineStats): PipelineStats {
  into.messages += from.messages;
  into.records += from.records;
  into.events += from.events;
  for (const [category, n] of Object.entries(from.skipped)) into.skipped[category] = (into.skipped[category] ?? 0) + n;
  into.quarantined += from.quarantined;
  into.selected += from.selected;
  into.suppressed += from.suppressed;
  into.late += from.late;
  into.alreadyEmitted += from.alreadyEmitted;
  into.incidents += from.incidents;
  return into;
}

export function totalSkipped(stats: PipelineStats): number {
  let n = 0;
  for (const count of Object.values(stats.skipped)) n += count;
  return n;
}
