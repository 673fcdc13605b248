/**
 * The incident row: the contract with Log Analytics (`KubetrailIncidents_CL`), Sentinel rules and users'
 * scripts. This schema is the single source; the table and DCR column list are generated from it.
 */
import { z } from "zod";
import { SEVERITIES } from "../detect/detection.js";

const ACTOR_TYPES = ["user", "serviceaccount", "anonymous", "node", "system", "aks-managed"] as const;
const isoDateTime = z.iso.datetime({ offset: false });

export const IncidentRowSchema = z.strictObject({
  TimeGenerated: isoDateTime.describe("when this row was produced"),
  IncidentId: z.string().min(1).describe("deterministic: the same input gives the same id"),
  Revision: z.number().int().min(1).describe("1 at first emission, higher for each update"),
  DetectionId: z.string().min(1),
  Title: z.string(),
  Description: z.string(),
  Severity: z.enum(SEVERITIES),
  Tactics: z.array(z.string()),
  Techniques: z.array(z.string()),
  ClusterResourceId: z.string(),
  ClusterName: z.string(),
  Actor: z.string(),
  ActorType: z.enum(ACTOR_TYPES),
  ActorGroups: z.array(z.string()),
  SourceIps: z.array(z.string()),
  UserAgents: z.array(z.string()),
  Namespaces: z.array(z.string()),
  Targets: z.array(z.string()),
  FirstSeen: isoDateTime,
  LastSeen: isoDateTime,
  EventCount: z.number().int().min(1),
  AuditIds: z.array(z.string()),
  Evidence: z.record(z.string(), z.unknown()),
});

export type IncidentRow = z.infer<typeof IncidentRowSchema>;
