/**
 * attack-tool-user-agent — requests whose user agent names a Kubernetes attack or recon tool (rakkess's
 * access-matrix, peirates, kdigger, trufflehog, …). Client-go tools put their binary's name in the user
 * agent, so the audit log names the tool. Benign posture scanners (kubescape, trivy, …) are a separate,
 * opt-in list: clusters run them on purpose.
 */
import { z } from "zod";
import { baseSettings, defineDetection, type MitreMapping, type Severity } from "../pipeline/detect/detection.js";
import { isAllowed } from "../pipeline/normalize/auditEvent.js";
import { requestLabel, sourceOf } from "./lib/identity.js";
import { actorName, listForProse, printable } from "./lib/k8s.js";

/**
 * Markers of tools built to attack or map a cluster, lower-case, each with the tool it names. Left out:
 * `kubeletctl` (talks to the kubelet on port 10250, never to the API server), `cdk` (too short to match
 * safely; `cdk8s` is a benign generator), and Python tools (kube-hunter, KubiScan) whose client sends
 * `python-requests` or `OpenAPI-Generator` unless the operator changes it — their markers are kept for
 * the runs that do.
 */
const ATTACK_TOOLS: Readonly<Record<string, string>> = {
  access_matrix: "rakkess (kubectl access-matrix)",
  rakkess: "rakkess",
  peirates: "peirates",
  kdigger: "kdigger",
  trufflehog: "TruffleHog",
  azurehound: "AzureHound",
  "kube-hunter": "kube-hunter",
  kubehound: "KubeHound",
  kubesploit: "Kubesploit",
  kubestroyer: "Kubestroyer",
};

/** Security scanners clusters run on purpose; reported (Low) only with `reportScanners`. */
const SCANNERS: Readonly<Record<string, string>> = {
  kubescape: "kubescape",
  "kube-bench": "kube-bench",
  "micro-scanner": "Aqua MicroScanner",
  trivy: "Trivy",
  kubiscan: "KubiScan",
  kubeaudit: "kubeaudit",
  polaris: "Polaris",
  popeye: "Popeye",
  "who-can": "kubectl-who-can",
  "rbac-police": "rbac-police",
};

const MARKERS = [...Object.keys(ATTACK_TOOLS), ...Object.keys(SCANNERS)];

const settings = baseSettings({ windowMinutes: 60 }).extend({
  /** Report the benign scanners too (Low); off because clusters run them on purpose. */
  reportScanners: z.boolean().default(false),
  /** Markers not to report on this cluster (a red team's sanctioned peirates, say), from the built-in lists. */
  ignoreMarkers: z.array(z.enum(MARKERS as [string, ...string[]])).default([]),
});

type Settings = z.infer<typeof settings>;

const EXEC = new Set(["exec", "attach"]);

export const attackToolUserAgent = defineDetection<Settings>({
  id: "attack-tool-user-agent",
  title: "Kubernetes attack or recon tool",
  description:
    "Requests whose user agent names a tool built to attack or map Kubernetes clusters (rakkess access-matrix, peirates, kdigger, TruffleHog, AzureHound, KubeHound, …). Tools built on client-go send their program name as the user agent, so the audit log names the tool unless its operator took care to hide it.",
  mitre: { tactics: ["Discovery", "Execution"], techniques: ["T1613", "T1609"] },
  status: "experimental",
  severityLogic:
    "High when the API server allowed any request of an attack tool; Medium when it refused them all; Low for a benign scanner (only with `reportScanners`).",
  runbook: [
    "Read Evidence.tool and Evidence.requests: which tool, and what it got (Evidence.allowed counts the requests that succeeded).",
    "Ask whether a sanctioned test is running; if so, add its marker to ignoreMarkers for its duration.",
    "Otherwise treat the actor's credential as compromised: revoke it, find where the tool runs (SourceIps; a pod's IP means a compromised workload) and review everything the identity did since.",
  ],
  catalogueRows: [14],
  settings,
  select: { userAgents: MARKERS },

  fold(event, s) {
    const agent = event.userAgent.toLowerCase();
    const marker = MARKERS.find((m) => agent.includes(m));
    if (marker === undefined || s.ignoreMarkers.includes(marker)) return undefined;
    const scanner = !(marker in ATTACK_TOOLS);
    if (scanner && !s.reportScanners) return undefined;
    const allowed = isAllowed(event);
    return {
      key: [event.user.username, marker],
      items: { allowed: allowed ? event.auditId : undefined, exec: EXEC.has(event.objectRef?.subresource ?? "") && allowed ? event.auditId : undefined },
      evidence: {
        request: `${requestLabel(event)} → ${event.responseCode ?? event.decision ?? "?"}`,
        userAgent: printable(event.userAgent, 200),
        source: sourceOf(event) || undefined,
      },
    };
  },

  evaluate(state) {
    const [, marker = ""] = state.key;
    const scanner = !(marker in ATTACK_TOOLS);
    const tool = ATTACK_TOOLS[marker] ?? SCANNERS[marker] ?? marker;
    const allowed = state.count("allowed");
    const exec = state.count("exec") > 0;
    const severity: Severity = scanner ? "Low" : allowed > 0 ? "High" : "Medium";
    const actor = actorName(state.actor) || "an anonymous client";
    const requests = state.evidenceOf("request", 20);
    const mitre: MitreMapping = { tactics: exec ? ["Discovery", "Execution"] : ["Discovery"], techniques: exec ? ["T1613", "T1609"] : ["T1613"] };
    const outcome = allowed === state.eventCount ? "all allowed" : allowed === 0 ? "all refused" : `${allowed} allowed`;
    return {
      severity,
      mitre,
      title: `${scanner ? "Scanner" : "Attack tool"} ${tool} used by ${actor}: ${state.eventCount} request(s), ${outcome}`,
      description:
        `${actor} sent ${state.eventCount} request(s) with the user agent of ${tool} (${listForProse(state.evidenceOf("userAgent", 3), 3)}) from ${listForProse(state.evidenceOf("source", 5), 5) || "an unknown source"}, such as ${listForProse(
          requests.slice(0, 3).map((r) => `\`${r}\``),
          3,
        )}. ` +
        (scanner
          ? "It is a security scanner; make sure this run is yours."
          : `${tool} is built to attack or map Kubernetes clusters${allowed ? "; the API server let some of its requests through" : ""}${exec ? ", including exec into a pod" : ""}.`),
      evidence: { tool, marker, scanner, allowed, refused: state.eventCount - allowed, execIntoPod: exec, requests, userAgents: state.evidenceOf("userAgent") },
      qualifyingEvents: 1,
    };
  },
});
