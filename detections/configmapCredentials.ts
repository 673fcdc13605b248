/**
 * configmap-credentials — ConfigMaps written with what looks like credentials: keys named like
 * passwords, tokens or cloud access keys, `key = value` lines inside values that are, private-key PEM
 * blocks, and connection strings with AccountKey= / SharedAccessKey= / Password=. ConfigMaps are not
 * secret: everyone who can read the namespace's config reads them. Evidence names the ConfigMap's keys
 * and what they look like, never a value.
 *
 * AKS logs ConfigMaps at Metadata level (no body) except coredns-custom updates, so on AKS this fires
 * only where the audit policy logs bodies; an event without a body is not reported.
 */
import { z } from "zod";
import { baseSettings, defineDetection, type Severity } from "../pipeline/detect/detection.js";
import { isAllowed } from "../pipeline/normalize/auditEvent.js";
import { actorName, field, listForProse, printable } from "./lib/k8s.js";
import { AKS_PLATFORM_IDENTITIES } from "./lib/identity.js";

const settings = baseSettings({
  windowMinutes: 60,
  allowActors: [...AKS_PLATFORM_IDENTITIES, "system:node:*", "system:serviceaccount:kube-system:*"],
}).extend({
  /**
   * Names that mark a credential when a data key, or a `name = value` line inside a value, is or ends in
   * one (compared without case, `-`, `_` and `.`). Falco's list plus the usual spellings.
   */
  credentialNames: z
    .array(z.string())
    .default([
      "aws_access_key_id",
      "aws_secret_access_key",
      "aws_s3_access_key_id",
      "aws_session_token",
      "password",
      "passwd",
      "passphrase",
      "secret",
      "client_secret",
      "token",
      "api_key",
      "apikey",
      "access_key",
      "private_key",
      "connection_string",
    ]),
  /** Names whose values are cloud keys or private keys outright: High. */
  criticalNames: z.array(z.string()).default(["aws_secret_access_key", "private_key", "client_secret"]),
});

type Settings = z.infer<typeof settings>;

const PEM_PRIVATE_KEY = /-----BEGIN (?:[A-Z]+ )*PRIVATE KEY-----/;
const CONNECTION_STRING = /(?:^|;)\s*(AccountKey|SharedAccessKey|Password|Pwd)\s*=\s*[^;\s]/i;
const ASSIGNMENT = /^\s*(?:export\s+)?["']?([A-Za-z][\w.-]{0,80})["']?\s*[:=]\s*(.*)$/;
/** Empty values, templates, booleans and masks: not a credential. */
const PLACEHOLDER = /^["']?(?:\$\{[^}]*\}|\{\{[^}]*\}\}|<[^>]*>|changeme|true|false|null|none|yes|no|\*+)?["']?,?$/i;

export const configmapCredentials = defineDetection<Settings>({
  id: "configmap-credentials",
  title: "ConfigMap containing credentials",
  description:
    "A ConfigMap was created or changed with data that looks like credentials: password, token or access-key entries, private keys, or connection strings with account keys. ConfigMaps are readable by anyone with read access to the namespace and are not encrypted like Secrets.",
  mitre: { tactics: ["CredentialAccess"], techniques: ["T1552"] },
  status: "stable",
  severityLogic:
    "High for a private-key PEM block, a connection string with AccountKey= or SharedAccessKey=, or a `criticalNames` entry (AWS secret access keys, client secrets); Medium for any other credential-like entry.",
  runbook: [
    "Read Evidence.keys: which ConfigMap keys hold what kind of credential (values are never copied).",
    "Rotate the credential at its source, then move it to a Secret (or Azure Key Vault with the Secrets Store CSI driver) and delete it from the ConfigMap: `kubectl edit configmap <name> -n <ns>`.",
    "Check who could read the ConfigMap meanwhile: `kubectl auth can-i get configmaps -n <ns> --list` for the namespace's service accounts and users.",
  ],
  catalogueRows: [26],
  settings,
  select: { resources: ["configmaps"], verbs: ["create", "update", "patch"] },

  fold(event, s) {
    const ref = event.objectRef;
    if (!ref || !isAllowed(event)) return undefined;
    const data = field(event.requestObject, "data") ?? field(event.responseObject, "data");
    if (data === null || typeof data !== "object" || Array.isArray(data)) return undefined;
    const names = [...s.credentialNames].sort((a, b) => normalize(b).length - normalize(a).length);
    const critical = new Set(s.criticalNames.map(normalize));
    const found: string[] = [];
    let high = false;
    for (const [key, value] of Object.entries(data)) {
      const kinds = new Set<string>();
      const keyMatch = matchName(key, names);
      if (keyMatch && typeof value === "string" && !PLACEHOLDER.test(value.trim())) kinds.add(keyMatch);
      if (typeof value === "string") {
        if (PEM_PRIVATE_KEY.test(value)) kinds.add("private key");
        for (const line of value.split(/\r?\n/)) {
          const conn = CONNECTION_STRING.exec(line)?.[1];
          if (conn) kinds.add(`connection string ${conn}=`);
          const assignment = ASSIGNMENT.exec(line);
          const lineMatch = assignment?.[1] ? matchName(assignment[1], names) : undefined;
          if (lineMatch && !PLACEHOLDER.test((assignment?.[2] ?? "").trim())) kinds.add(lineMatch);
        }
      }
      if (kinds.size === 0) continue;
      for (const kind of kinds) if (kind === "private key" || /AccountKey|SharedAccessKey/.test(kind) || critical.has(normalize(kind))) high = true;
      found.push(`${printable(key, 120)} (${[...kinds].sort().join(", ")})`);
    }
    if (found.length === 0) return undefined;
    return {
      key: [event.user.username, `configmaps/${ref.namespace}/${ref.name}`],
      items: { change: event.verb, high: high ? event.auditId : undefined },
      evidence: { key: found },
    };
  },

  evaluate(state) {
    const [, target = ""] = state.key;
    const [, namespace = "", name = ""] = target.split("/");
    const keys = state.evidenceOf("key");
    const severity: Severity = state.count("high") > 0 ? "High" : "Medium";
    const actor = actorName(state.actor);
    const verbs = state
      .itemsOf("change")
      .map((v) => (v === "create" ? "created" : v === "patch" ? "patched" : "updated"))
      .filter((v, i, all) => all.indexOf(v) === i)
      .join(" and ");
    return {
      severity,
      title: `${actor} ${verbs} ConfigMap ${namespace}/${printable(name)} with credentials in ${listForProse([...new Set(keys.map((k) => k.slice(0, k.indexOf(" ("))))])}`,
      description: `${actor} ${verbs} ConfigMap ${namespace}/${printable(name)}, whose data holds what looks like credentials: ${listForProse(keys, 6)}. Anyone who can read ConfigMaps in ${namespace} can read them.`,
      evidence: { keys, configMap: target },
      qualifyingEvents: 1,
    };
  },
});

function normalize(name: string): string {
  return name.toLowerCase().replace(/[-_.\s]/g, "");
}

/** The credential name a key is or ends in, as the settings spell it (`DB_PASSWORD` → password; `secretName` → none). Longest names first. */
function matchName(key: string, names: readonly string[]): string | undefined {
  const normalized = normalize(key);
  return names.find((n) => normalized.endsWith(normalize(n)));
}
