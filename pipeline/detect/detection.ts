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
  /** False for detections that need a list only the user has (threat-intel networks, say). Default true. */
  readonly enabled?: boolean;
  readonly allowActors?: readonly string[];
  readonly allowNamespaces?: readonly string[];
}

/** The zod schema of BaseSettings with a detection's own defaults; extend it with `.extend({...})`. */
export function baseSettings(defaults: BaseSettingsDefaults) {
  return z.strictObject({
    enabled: z.boolean().default(defaults.enabled ?? true),
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

/**
 * Which events a detection needs, so the engine can index detections instead of trying each one. Every
 * condition given must hold; a detection with several selectors selects what any of them selects.
 */
export interface Selector {
  /** `resource` or `resource/subresource` (`secrets`, `pods/exec`); the request must name one of them. */
  readonly resources?: readonly string[];
  /** The request's verb is one of these (on any resource, when no resources are given). */
  readonly verbs?: readonly string[];
  /** Requests, resource or not, by these actor types (anonymous access watches every path). */
  readonly actorTypes?: readonly ActorType[];
  /** The request was refused: decision `forbid`, or answered 401 or 403. */
  readonly denied?: true;
  /** The request impersonated another identity. */
  readonly impersonated?: true;
  /** The user agent contains one of these (case-insensitive); the index decides once per distinct agent. */
  readonly userAgents?: readonly string[];
  /** The first source IP is a public address (not private, loopback, link-local or shared); decided once per address. */
  readonly publicSource?: true;
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
  /**
   * The MITRE mapping of the variants that fired, when narrower than the detection's (a host-namespaces
   * detection reports T1611 for hostPID and T1557 only for hostNetwork); defaults to the detection's.
   */
  readonly mitre?: MitreMapping;
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
  /** What this event teaches about objects, if anything (a binding teaches about each of its subjects). */
  remember(event: AuditEvent, recall: Recall): Lesson | readonly Lesson[] | undefined;
  readonly ttlDays: number;
}

export interface Lesson {
  readonly object: string;
  readonly facts: RememberedFacts;
}

export interface MitreMapping {
  readonly tactics: readonly string[];
  /** ATT&CK technique ids (`T1609`, `T1552.007`). */
  readonly techniques: readonly string[];
}

/** The peers whose shipped content covers a behaviour, as ../shared/research/detections.md names them. */
export const PEERS = ["Falco", "Sigma", "Elastic", "Defender", "Sentinel", "Panther"] as const;
export type Peer = (typeof PEERS)[number];

/** Experimental detections are new or noisy on some clusters; stable ones have been checked against real logs. */
export type DetectionStatus = "experimental" | "stable";

export interface Detection<S extends BaseSettings = BaseSettings> {
  readonly id: string;
  readonly title: string;
  readonly description: string;
  readonly mitre: MitreMapping;
  readonly status: DetectionStatus;
  /** How the severity is decided, in a sentence or two, for the README and for people tuning it. */
  readonly severityLogic: string;
  /** What a responder does first, as short steps. */
  readonly runbook: readonly string[];
  /** Rows of the catalogue in ../shared/research/detections.md this detection covers (for the README). */
  readonly catalogueRows: readonly number[];
  readonly settings: z.ZodType<S, unknown>;
  readonly select: Selector | readonly Selector[];
  /**
   * The finding joins events across the stream through memory (a grant then its use, a pod's creation
   * then an exec into it, a first-seen baseline). Instances sharing a store see each other's lessons, but
   * a follow-up judged before its precursor's lesson is stored is judged without it: with several
   * concurrent instances the outcome can depend on timing, as it does live. One instance gives the same
   * result however the input is batched.
   */
  readonly orderSensitive?: boolean;
  readonly memory?: Memory;
  /**
   * This event's contribution to state, or undefined when it does not matter to this detection. `recall`
   * already includes what `memory.remember` learned from this very event (remember runs first).
   */
  fold(event: AuditEvent, settings: S, recall: Recall): Observation | undefined;
  /** A finding when the state warrants one. Pure: the same state always gives the same finding. */
  evaluate(state: IncidentState, settings: S): Finding | undefined;
}

/** Identity helper that keeps a detection's settings type attached to its methods. */
export function defineDetection<S extends BaseSettings>(detection: Detection<S>): Detection<S> {
  return detection;
}
