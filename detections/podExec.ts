/**
 * pod-exec — exec into, attach to, or debug (ephemeral container) a running pod. One incident per actor
 * and pod per window, listing the commands run. Matches on the subresource, not the verb: kubectl 1.30+
 * execs over WebSockets, which the API server logs as `get`.
 */
import { z } from "zod";
import { baseSettings, defineDetection, type Severity } from "../pipeline/detect/detection.js";
import { isAllowed } from "../pipeline/normalize/auditEvent.js";
import { asArray, asString, field, listForProse, printable, queryParams } from "./lib/k8s.js";

const settings = baseSettings({
  windowMinutes: 60,
  allowActors: ["aksService", "hcpService", "readinessChecker", "aksProblemDetector"],
}).extend({
  /** Exec into these namespaces is High whatever the command. */
  systemNamespaces: z.array(z.string()).default(["kube-system"]),
  /** Programs that make an exec an interactive shell when run with a TTY. */
  shells: z.array(z.string()).default(["sh", "bash", "ash", "dash", "zsh", "ksh", "fish", "csh", "tcsh", "busybox", "pwsh", "powershell", "cmd"]),
  /** Substrings of a command that reach for credentials: service-account and workload-identity tokens, node and kube configs, the instance metadata service. High. */
  credentialPaths: z
    .array(z.string())
    .default([
      "/var/run/secrets/",
      "/run/secrets/",
      "/etc/kubernetes/",
      "/var/lib/kubelet/",
      ".kube/config",
      ".azure/",
      "/proc/self/environ",
      "169.254.169.254",
      "metadata/identity/oauth2",
    ]),
});

type Settings = z.infer<typeof settings>;

const ACTIONS: Readonly<Record<string, string>> = { exec: "exec'd into", attach: "attached to", ephemeralcontainers: "added a debug container to" };
const EPHEMERAL_WRITE_VERBS = new Set(["create", "update", "patch"]);

export const podExec = defineDetection<Settings>({
  id: "pod-exec",
  title: "Exec, attach or debug container in a pod",
  description:
    "Someone ran commands inside a running container (exec), attached to its console, or added an ephemeral debug container. Attackers use this to run tools in a workload, read its service-account token and move laterally.",
  mitre: { tactics: ["Execution"], techniques: ["T1609"] },
  status: "stable",
  severityLogic:
    "High for an interactive shell with a TTY, a command reaching for credentials, or any exec into a `systemNamespaces` namespace; Medium otherwise.",
  runbook: [
    "Read Evidence.commands: what was run, in which container.",
    "If the actor had no reason to be inside the pod, revoke their access and treat the pod's service-account token and mounted secrets as exposed.",
    "Check exec-into-privileged-pod incidents for the same pod: a shell in a privileged pod is a shell on the node.",
  ],
  catalogueRows: [28, 29, 30, 31, 32, 33, 34, 36],
  settings,
  select: { resources: ["pods/exec", "pods/attach", "pods/ephemeralcontainers"] },

  fold(event, s) {
    const ref = event.objectRef;
    if (!ref || !isAllowed(event)) return undefined;
    const action = ref.subresource;
    if (action === "ephemeralcontainers" && !EPHEMERAL_WRITE_VERBS.has(event.verb)) return undefined;
    const commands = action === "ephemeralcontainers" ? debugCommands(event.requestObject) : [queryParams(event.requestUri, "command").join(" ")];
    const tty = queryParams(event.requestUri, "tty").includes("true") || action === "ephemeralcontainers";
    const containers = action === "ephemeralcontainers" ? debugImages(event.requestObject) : queryParams(event.requestUri, "container");
    const shellSession = tty && commands.some((command) => isShell(command, s.shells));
    const credentialAccess = commands.some((command) => s.credentialPaths.some((path) => command.includes(path)));
    return {
      key: [event.user.username, `pods/${ref.namespace}/${ref.name}`],
      items: { interactiveShell: shellSession ? event.auditId : undefined, credentialAccess: credentialAccess ? event.auditId : undefined },
      evidence: {
        action,
        command: commands.filter((c) => c !== "").map((c) => printable(c, 500)),
        container: containers.map((c) => printable(c)),
        tty: tty ? "true" : undefined,
      },
    };
  },

  evaluate(state, s) {
    const [, target = ""] = state.key;
    const [, namespace = "", pod = ""] = target.split("/");
    const actions = state.evidenceOf("action");
    const commands = state.evidenceOf("command");
    const inSystemNamespace = s.systemNamespaces.includes(namespace);
    const interactive = state.count("interactiveShell") > 0;
    const credentialAccess = state.count("credentialAccess") > 0;
    const severity: Severity = inSystemNamespace || interactive || credentialAccess ? "High" : "Medium";
    const verbs = actions.map((a) => ACTIONS[a] ?? a).join(" and ");
    const commandText = commands.length ? ` (${listForProse(commands.map((c) => printable(c, 80)))})` : "";
    const actor = printable(state.actor);
    return {
      severity,
      title: `${actor} ${verbs} pod ${namespace}/${pod}${commandText}`,
      description:
        `${actor} ${verbs} pod ${namespace}/${pod} ${state.eventCount} time(s)` +
        (commands.length
          ? `, running ${listForProse(
              commands.map((c) => `\`${printable(c, 120)}\``),
              5,
            )}`
          : "") +
        (interactive ? "; an interactive shell with a TTY" : "") +
        (credentialAccess ? "; a command reached for credentials (tokens, kube or cloud config, instance metadata)" : "") +
        (inSystemNamespace ? `; ${namespace} is a system namespace` : "") +
        ".",
      evidence: {
        actions,
        commands,
        containers: state.evidenceOf("container"),
        interactiveShell: interactive,
        credentialAccess,
      },
      qualifyingEvents: 1,
    };
  },
});

function isShell(command: string, shells: readonly string[]): boolean {
  const program = command.trim().split(/\s+/)[0] ?? "";
  const base = program.slice(program.lastIndexOf("/") + 1);
  return shells.includes(base);
}

/** Commands of the ephemeral containers a `kubectl debug` patch adds, when the body was logged. */
function debugCommands(requestObject: unknown): string[] {
  return ephemeralContainers(requestObject).map((c) => [...asArray(field(c, "command")), ...asArray(field(c, "args"))].map(asString).join(" "));
}

function debugImages(requestObject: unknown): string[] {
  return ephemeralContainers(requestObject)
    .map((c) => asString(field(c, "image")))
    .filter((image) => image !== "");
}

function ephemeralContainers(requestObject: unknown): unknown[] {
  return [...asArray(field(requestObject, "spec", "ephemeralContainers"))];
}
