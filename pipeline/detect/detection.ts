/**
 * The shape of a detection: metadata, a settings schema, which events it selects, how one event folds
 * into keyed state, and when that state is a finding. All of it pure: no I/O, no clock, no globals.
 */
import { z } from "zod";
import type { ActorType, AuditEvent } from "../normalize/auditEvent.js";
import type { IncidentState } from "./incidentState.js";

export const SEVERITIES = ["Informational", "Low", "Medium", "High"] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Settings every detection has; the engine applies them, so detections need not. */
export interface BaseSettings {
  readonly enabled: boolean;
  readonly windowMinutes: number;
  /** Overrides the severity the detection computes. */
  readonly severity?: Severity | undefined;
  /** Usernames never reported; `*` matches any run of characters (`system:serviceaccount:kube-system:*`). */
  readonly allowActors: readonly string[];
  /** Namespaces never reported (same pattern syntax). */
  readonly allowNamespaces: readonly string[];
}

export interface BaseSettingsDefaults {
  readonly windowMinutes: number;
  readonly allowActors?: readonly string[];
  readonly allowNamespaces?: readonly string[];
}

/** The zod schema of BaseSettings with a detection's own defaults; extend it with `.extend({...})`. */
export function baseSettings(defaults: BaseSettingsDefaults) {
  return z.strictObject({
    enabled: z.boolean().default(true),
    windowMinutes: z
      .number()
      .int()
      .min(1)
      .max(7 * 24 * 60)
      .default(defaults.windowMinutes),
    severity: z.enum(SEVERITIES).optional(),
    allowActors: z.array(z.string().min(1)).default([...(defaults.allowActors ?? [])]),
    allowNamespaces: z.array(z.string().min(1)).default([...(defaults.allowNamespaces ?? [])]),
  });
}

/** Which events a detection needs, so the engine can index detections instead of trying each one. */
export interface Selector {
  /** `resource` or `resource/subresource` (`secrets`, `pods/exec`); the request must name one of them. */
  readonly resources?: readonly string[];
  /** Any request, resource or not, by these actor types (anonymous access watches every path). */
  readonly actorTypes?: readonly ActorType[];
  /** Restricts the resources above to these verbs. */
  readonly verbs?: readonly string[];
}

/** What one event contributes to a detection's state. */
export interface Observation {
  /** Groups state beyond detection and cluster: `[actor]`, `[actor, target]`, `[sourceIp]`, … */
  readonly key: readonly string[];
  /** Distinct items this event adds, by kind; thresholds count them. */
  readonly items?: Readonly<Record<string, string | readonly string[] | undefined>>;
  /** Evidence values this event adds, by field (commands, roleRef, subjects). */
  readonly evidence?: Readonly<Record<string, string | readonly string[] | undefined>>;
}

export interface Finding {
  readonly severity: Severity;
  readonly title: string;
  readonly description: string;
  /** Detection-specific detail for the Evidence column; never a secret's value. */
  readonly evidence: Readonly<Record<string, unknown>>;
  /**
   * How many events the weakest condition that fired needs (1 for a single-event finding, the threshold
   * for a count). The revision counts from there, so it depends only on the state, never on how events
   * were batched or partitioned.
   */
  readonly qualifyingEvents: number;
}

/** Facts remembered about one object across windows (a binding's roleRef and subjects, a role's rules). */
export type RememberedFacts = Readonly<Record<string, unknown>>;
export type Recall = (object: string) => RememberedFacts | undefined;

export interface Memory {
  /** The objects whose facts folding this event may need (the binding itself, the role it names). */
  keys(event: AuditEvent): readonly string[];
  /** What this event teaches about an object, if anything. */
  remember(event: AuditEvent, recall: Recall): { readonly object: string; readonly facts: RememberedFacts } | undefined;
  readonly ttlDays: number;
}

export interface MitreMapping {
  readonly tactics: readonly string[];
  /** ATT&CK technique ids (`T1609`, `T1552.007`). */
  readonly techniques: readonly string[];
}

export interface Detection<S extends BaseSettings = BaseSettings> {
  readonly id: string;
  readonly title: string;
  readonly description: string;
  readonly mitre: MitreMapping;
  readonly settings: z.ZodType<S, unknown>;
  readonly select: Selector;
  readonly memory?: Memory;
  /** This event's contribution to state, or undefined when it does not matter to this detection. */
  fold(event: AuditEvent, settings: S, recall: Recall): Observation | undefined;
  /** A finding when the state warrants one. Pure: the same state always gives the same finding. */
  evaluate(state: IncidentState, settings: S): Finding | undefined;
}

/** Identity helper that keeps a detection's settings type attached to its methods. */
export function defineDetection<S extends BaseSettings>(detection: Detection<S>): Detection<S> {
  return detection;
}
