/**
 * pod-exec — exec into, attach to, or debug (ephemeral container) a running pod. One incident per actor
 * and pod per window, listing the commands run and what they reach for (lib/execCommands.ts): a shell or
 * tool, credentials, instance metadata, a reverse shell, a download, `kubectl cp`. Matches on the
 * subresource, not the verb: kubectl 1.30+ execs over WebSockets, which the API server logs as `get`.
 */
import { z } from "zod";
import { baseSettings, defineDetection, type MitreMapping, type Severity } from "../pipeline/detect/detection.js";
import { matcherFor } from "../pipeline/detect/patterns.js";
import { isAllowed } from "../pipeline/normalize/auditEvent.js";
import { classifyCommand, type ExecVariant, rawExecCommandOf, redactCommand, startsWithShell } from "./lib/execCommands.js";
import { actorName, asArray, asString, field, listForProse, printable, queryParams } from "./lib/k8s.js";
import { AKS_PLATFORM_IDENTITIES } from "./lib/identity.js";
import { SPEC_WRITE_VERBS } from "./lib/workload.js";

const settings = baseSettings({
  windowMinutes: 60,
  allowActors: [...AKS_PLATFORM_IDENTITIES],
}).extend({
  /** Exec into these namespaces is High whatever the command. */
  systemNamespaces: z.array(z.string()).default(["kube-system"]),
  /** Programs that make an exec an interactive shell when run with a TTY (and a shell-or-tool exec without). */
  shells: z.array(z.string()).default(["sh", "bash", "ash", "dash", "zsh", "ksh", "fish", "csh", "tcsh", "busybox", "pwsh", "powershell", "cmd"]),
  /** Tools whose use in a container is worth naming (Sigma's list, plus interpreters and network tools). */
  tools: z
    .array(z.string())
    .default([
      "curl",
      "wget",
      "kubectl",
      "crictl",
      "ctr",
      "nsenter",
      "python",
      "perl",
      "ruby",
      "php",
      "node",
      "nc",
      "ncat",
      "netcat",
      "socat",
      "nmap",
      "telnet",
      "ssh",
    ]),
  /** Credential paths (substrings; `*` matches within one path segment): tokens, kube and cloud configs, keys. High. */
  credentialPaths: z
    .array(z.string())
    .default([
      "/var/run/secrets/",
      "/run/secrets/",
      "/etc/kubernetes/",
      "/var/lib/kubelet/",
      ".kube/",
      ".azure/",
      ".aws/",
      ".ssh/",
      ".config/gcloud/",
      ".docker/config.json",
      "/etc/shadow",
      "/etc/gshadow",
      "/etc/sudoers",
      "/proc/*/environ",
    ]),
  /** Key and keystore files, by extension. High. */
  credentialFileExtensions: z.array(z.string()).default([".pem", ".key", ".p12", ".pfx", ".jks", ".keystore"]),
  /** Instance-metadata endpoints (Azure IMDS and WireServer, AWS, GCP). High. */
  metadataEndpoints: z
    .array(z.string())
    .default([
      "169.254.169.254",
      "metadata/identity/oauth2/token",
      "metadata/instance",
      "168.63.129.16",
      "metadata.google.internal",
      "computeMetadata/v1",
      "/latest/meta-data",
      "/latest/api/token",
      "2852039166",
      "0xa9fea9fe",
      "fd00:ec2::254",
    ]),
  /** curl or wget fetching one of these is routine, not a download. */
  downloadExclusions: z
    .array(z.string())
    .default([
      "/healthz",
      "/readyz",
      "/livez",
      "/api/v1/health",
      "127.0.0.1",
      "localhost",
      "/openid/v1/jwks",
      "/openid-connect/certs",
      "/.well-known/openid-configuration",
      "/.well-known/jwks.json",
      "kubernetes.default.svc",
    ]),
  /** Commands never reported (`*` matches any run of characters), for automation that execs by design. */
  ignoreCommands: z.array(z.string()).default([]),
});

type Settings = z.infer<typeof settings>;
type Variant = ExecVariant | "interactiveShell" | "debugContainer";

const ACTIONS: Readonly<Record<string, string>> = { exec: "exec'd into", attach: "attached to", ephemeralcontainers: "added a debug container to" };
const HIGH: ReadonlySet<Variant> = new Set(["interactiveShell", "credentialAccess", "instanceMetadata", "reverseShell"]);
const PROSE: Readonly<Record<Variant, string>> = {
  interactiveShell: "interactive shell",
  shellOrTool: "shell or tool",
  credentialAccess: "credential access",
  instanceMetadata: "instance metadata",
  reverseShell: "reverse shell",
  download: "download",
  copyOut: "copy out of the pod",
  copyIn: "copy into the pod",
  debugContainer: "debug container",
};
const MITRE: Readonly<Record<Variant, MitreMapping>> = {
  interactiveShell: { tactics: ["Execution"], techniques: ["T1059"] },
  shellOrTool: { tactics: ["Execution"], techniques: ["T1059"] },
  credentialAccess: { tactics: ["CredentialAccess"], techniques: ["T1552.001", "T1552.007"] },
  instanceMetadata: { tactics: ["CredentialAccess"], techniques: ["T1552.005"] },
  reverseShell: { tactics: ["Execution"], techniques: ["T1059"] },
  download: { tactics: ["CommandAndControl"], techniques: ["T1105"] },
  copyOut: { tactics: ["Collection"], techniques: ["T1530"] },
  copyIn: { tactics: ["CommandAndControl"], techniques: ["T1105"] },
  debugContainer: { tactics: ["Execution", "PrivilegeEscalation"], techniques: ["T1610", "T1611"] },
};
const EXEC: MitreMapping = { tactics: ["Execution"], techniques: ["T1609"] };

export const podExec = defineDetection<Settings>({
  id: "pod-exec",
  title: "Exec, attach or debug container in a pod",
  description:
    "Someone ran commands inside a running container (exec), attached to its console, or added an ephemeral debug container. Attackers use this to run tools in a workload, read its service-account token, reach the cloud metadata service, open reverse shells and copy data out.",
  mitre: mergeMitre([EXEC, ...Object.values(MITRE)]),
  status: "stable",
  severityLogic:
    "High for an interactive shell with a TTY, a reverse shell, a command reaching for credentials or instance metadata, or any exec into a `systemNamespaces` namespace; Medium otherwise (a shell or tool, a download, kubectl cp, a debug container).",
  runbook: [
    "Read Evidence.commands and Evidence.variants: what was run, in which container, and what it reached for.",
    "If the actor had no reason to be inside the pod, revoke their access and treat the pod's service-account token, mounted secrets and (for instance metadata) the node's managed identity as exposed.",
    "For copyOut, find what was copied (the tar path in the command); for download or copyIn, inspect the container filesystem (`kubectl debug` a copy) before it restarts.",
    "Check exec-into-privileged-pod incidents for the same pod: a shell in a privileged pod is a shell on the node.",
  ],
  catalogueRows: [28, 29, 30, 31, 32, 33, 34, 36],
  settings,
  select: { resources: ["pods/exec", "pods/attach", "pods/ephemeralcontainers"] },

  fold(event, s) {
    const ref = event.objectRef;
    if (!ref || !isAllowed(event)) return undefined;
    const action = ref.subresource;
    const debug = action === "ephemeralcontainers";
    if (debug && !SPEC_WRITE_VERBS.includes(event.verb)) return undefined;
    const containers = debug ? ephemeralContainers(event.requestObject) : [];
    const commands = debug
      ? containers.map((c) => [...asArray(field(c, "command")), ...asArray(field(c, "args"))].map(asString).join(" "))
      : [rawExecCommandOf(event)];
    if (s.ignoreCommands.length && commands.length && commands.every((c) => c !== "" && matcherFor(s.ignoreCommands)(c))) return undefined;
    const tty = debug ? containers.some((c) => field(c, "tty") === true) : queryParams(event.requestUri, "tty").includes("true");
    const variants = new Set<Variant>(commands.flatMap((c) => classifyCommand(c, s)));
    if (tty && commands.some((c) => startsWithShell(c, s.shells))) variants.add("interactiveShell");
    if (debug) variants.add("debugContainer");
    const names = debug ? containers.map((c) => asString(field(c, "image"))) : queryParams(event.requestUri, "container");
    return {
      key: [event.user.username, `pods/${ref.namespace}/${ref.name}`],
      items: { variant: [...variants] },
      evidence: {
        action,
        command: commands.filter((c) => c !== "").map((c) => printable(redactCommand(c), 500)),
        container: names.filter((c) => c !== "").map((c) => printable(c)),
        tty: tty ? "true" : undefined,
      },
    };
  },

  evaluate(state, s) {
    const [, target = ""] = state.key;
    const [, namespace = "", pod = ""] = target.split("/");
    const actions = state.evidenceOf("action");
    const commands = state.evidenceOf("command");
    const variants = state.itemsOf("variant").sort(byProse) as Variant[];
    const inSystemNamespace = s.systemNamespaces.includes(namespace);
    const severity: Severity = inSystemNamespace || variants.some((v) => HIGH.has(v)) ? "High" : "Medium";
    const verbs = actions.map((a) => ACTIONS[a] ?? a).join(" and ");
    const commandText = commands.length ? ` (${listForProse(commands.map((c) => printable(c, 80)))})` : "";
    const named = variants.filter((v) => v !== "debugContainer" && v !== "shellOrTool");
    const variantText = named.length ? `: ${named.map((v) => PROSE[v]).join(", ")}` : "";
    const actor = actorName(state.actor);
    return {
      severity,
      mitre: mergeMitre([EXEC, ...variants.map((v) => MITRE[v])]),
      title: `${actor} ${verbs} pod ${namespace}/${pod}${commandText}${variantText}`,
      description:
        `${actor} ${verbs} pod ${namespace}/${pod} ${state.eventCount} time(s)` +
        (commands.length
          ? `, running ${listForProse(
              commands.map((c) => `\`${printable(c, 120)}\``),
              5,
            )}`
          : "") +
        (variants.length ? `; seen: ${variants.map((v) => PROSE[v]).join(", ")}` : "") +
        (inSystemNamespace ? `; ${namespace} is a system namespace` : "") +
        ".",
      evidence: {
        actions,
        commands,
        containers: state.evidenceOf("container"),
        variants,
        interactiveShell: variants.includes("interactiveShell"),
        credentialAccess: variants.includes("credentialAccess"),
      },
      qualifyingEvents: 1,
    };
  },
});

const ORDER: readonly Variant[] = [
  "reverseShell",
  "credentialAccess",
  "instanceMetadata",
  "interactiveShell",
  "copyOut",
  "download",
  "copyIn",
  "shellOrTool",
  "debugContainer",
];

function byProse(a: string, b: string): number {
  return ORDER.indexOf(a as Variant) - ORDER.indexOf(b as Variant);
}

function mergeMitre(mappings: readonly MitreMapping[]): MitreMapping {
  const tactics = new Set(mappings.flatMap((m) => m.tactics));
  const techniques = new Set(mappings.flatMap((m) => m.techniques));
  return { tactics: [...tactics], techniques: [...techniques] };
}

/**
 * The ephemeral containers a `kubectl debug` request adds, when the body was logged: a strategic-merge
 * patch or pod (`spec.ephemeralContainers`), or a JSON patch (`add /spec/ephemeralContainers/-`).
 */
function ephemeralContainers(requestObject: unknown): unknown[] {
  if (Array.isArray(requestObject)) {
    return requestObject
      .filter((op) => asString(field(op, "path")).startsWith("/spec/ephemeralContainers"))
      .flatMap((op) => {
        const value = field(op, "value");
        return Array.isArray(value) ? value : [value];
      });
  }
  return [...asArray(field(requestObject, "spec", "ephemeralContainers"))];
}
