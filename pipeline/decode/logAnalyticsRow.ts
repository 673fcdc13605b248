/**
 * Exports of the Log Analytics `AKSAudit` / `AKSAuditAdmin` tables: one row per audit event, with the
 * event's fields as PascalCase columns. Dynamic columns arrive as objects or, from some exports, as JSON text.
 */
import type { AuditCategory } from "../normalize/auditEvent.js";
import type { AuditRecord } from "./decodeMessage.js";

export function isLogAnalyticsAuditRow(obj: Record<string, unknown>): boolean {
  return typeof obj.AuditId === "string" && (typeof obj.Verb === "string" || typeof obj.RequestUri === "string");
}

const TOO_BIG = "skipped-too-big-size-object";

export function fromLogAnalyticsRow(row: Record<string, unknown>): Omit<AuditRecord, "location"> {
  const event: Record<string, unknown> = {
    kind: "Event",
    auditID: row.AuditId,
    level: row.Level,
    stage: row.Stage,
    verb: row.Verb,
    requestURI: row.RequestUri,
    user: dynamic(row.User),
    impersonatedUser: dynamic(row.ImpersonatedUser),
    sourceIPs: dynamic(row.SourceIps),
    userAgent: row.UserAgent,
    objectRef: dynamic(row.ObjectRef),
    responseStatus: dynamic(row.ResponseStatus),
    requestObject: bodyColumn(row.RequestObject),
    responseObject: bodyColumn(row.ResponseObject),
    requestReceivedTimestamp: row.RequestReceivedTime,
    stageTimestamp: row.StageReceivedTime ?? row.TimeGenerated,
    annotations: dynamic(row.Annotations),
  };
  const type = row.Type;
  const category: AuditCategory | undefined = type === "AKSAuditAdmin" ? "kube-audit-admin" : type === "AKSAudit" ? "kube-audit" : undefined;
  return {
    log: event,
    category,
    resourceId: typeof row._ResourceId === "string" ? row._ResourceId : "",
    envelopeTime: typeof row.TimeGenerated === "string" ? row.TimeGenerated : undefined,
  };
}

function dynamic(value: unknown): unknown {
  if (typeof value !== "string") return value;
  const first = value.trimStart()[0];
  if (first !== "{" && first !== "[") return value;
  try {
    return JSON.parse(value);
  } catch {
    return undefined;
  }
}

function bodyColumn(value: unknown): unknown {
  return value === TOO_BIG || value === "" ? undefined : dynamic(value);
}
