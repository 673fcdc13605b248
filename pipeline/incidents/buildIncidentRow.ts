import { createHash } from "node:crypto";
import type { Detection, Finding } from "../detect/detection.js";
import type { IncidentState } from "../detect/incidentState.js";
import type { IncidentRow } from "./incidentRow.js";

/** Caps on the arrays of a row, so one noisy incident stays a small row. */
const MAX_AUDIT_IDS = 50;
const MAX_LIST = 20;

/** Same detection, cluster, key and window ⇒ same id, however the events were batched or partitioned. */
export function incidentIdOf(stateKey: string): string {
  return `kt-${createHash("sha256").update(stateKey).digest("hex").slice(0, 32)}`;
}

/**
 * A function of the state alone, so every instance computes the same number for the same state, and the
 * last writer of the final state emits the final revision. It counts observations (auditID and stage),
 * so a late earlier stage of a known request, which moves FirstSeen, is a new revision too.
 */
export function revisionOf(state: IncidentState, finding: Finding): number {
  return Math.max(1, state.observations.size - finding.qualifyingEvents + 1);
}

/** `IncidentId#Revision`: what is emitted, and delivered, exactly once. */
export function emissionIdOf(row: Pick<IncidentRow, "IncidentId" | "Revision">): string {
  return `${row.IncidentId}#${row.Revision}`;
}

export function buildIncidentRow(args: {
  readonly detection: Detection;
  readonly state: IncidentState;
  readonly finding: Finding;
  readonly incidentId: string;
  readonly revision: number;
  readonly severity: Finding["severity"];
  readonly now: Date;
}): IncidentRow {
  const { detection, state, finding } = args;
  const eventCount = state.eventCount;
  return {
    TimeGenerated: args.now.toISOString(),
    IncidentId: args.incidentId,
    Revision: args.revision,
    DetectionId: detection.id,
    Title: finding.title,
    Description: finding.description,
    Severity: args.severity,
    Tactics: [...(finding.mitre ?? detection.mitre).tactics],
    Techniques: [...(finding.mitre ?? detection.mitre).techniques],
    ClusterResourceId: state.cluster.resourceId,
    ClusterName: state.cluster.name,
    Actor: state.actor,
    ActorType: state.actorType,
    ActorGroups: state.contextOf("groups", MAX_LIST),
    SourceIps: state.contextOf("sourceIps", MAX_LIST),
    UserAgents: state.contextOf("userAgents", MAX_LIST),
    Namespaces: state.contextOf("namespaces", MAX_LIST),
    Targets: state.contextOf("targets", MAX_LIST),
    FirstSeen: new Date(state.first).toISOString(),
    LastSeen: new Date(state.last).toISOString(),
    EventCount: eventCount,
    AuditIds: state.events.sorted(MAX_AUDIT_IDS),
    Evidence: state.events.saturated ? { ...finding.evidence, eventCountIsLowerBound: true } : finding.evidence,
  };
}
