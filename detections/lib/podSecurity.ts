/**
 * What a pod spec grants its containers over the node: privileged or Windows HostProcess containers,
 * host namespaces, hostPath volumes, added Linux capabilities, root users. `profileOf` reads the raw
 * facts, independent of any setting, so they can be remembered with the pod; `risksOf` classifies them
 * with a detection's lists (sensitive paths, dangerous capabilities, trusted images) into variants.
 */
import { matcherFor } from "../../pipeline/detect/patterns.js";
import { asArray, asString, field } from "./k8s.js";
import { CONTAINER_FIELDS, describeContainer } from "./workload.js";

export const RISK_VARIANTS = ["privileged", "sensitiveHostPath", "hostPath", "hostNetwork", "hostPID", "hostIPC", "capabilities", "runAsRoot"] as const;

export type RiskVariant = (typeof RISK_VARIANTS)[number];

/** One grant a spec makes, as logged: settings decide later whether it matters. */
export interface HostAccess {
  readonly kind: "privileged" | "hostProcess" | "hostNetwork" | "hostPID" | "hostIPC" | "hostPath" | "capability" | "runAsRoot";
  /** The container (`container web`), the volume (`volume host`), or `pod` for pod-level settings. */
  readonly where: string;
  /** The path, capability or setting (`/var/run/docker.sock`, `SYS_ADMIN`, `runAsUser 0`); "" when the kind says it all. */
  readonly value: string;
  /** The container's image, for container-level grants (trusted images are exempt). */
  readonly image?: string;
}

export interface PodProfile {
  /** Every container's image, init and ephemeral ones included. */
  readonly images: readonly string[];
  readonly access: readonly HostAccess[];
}

export interface PodRisk {
  readonly variant: RiskVariant;
  /** For evidence and titles: `container shell: privileged`, `hostPath / (volume host)`, `hostPID`. */
  readonly detail: string;
  /** The path, capability or setting alone (`SYS_ADMIN`, `/`), "" for host namespaces and privileged containers. */
  readonly value: string;
}

export interface RiskOptions {
  /** hostPath paths (after normalization) that are a way onto the node; `*` matches any run of characters. */
  readonly sensitiveHostPaths: readonly string[];
  /** Capabilities (without `CAP_`) whose addition is reported. */
  readonly dangerousCapabilities: readonly string[];
  /** Images whose containers are exempt (Falco's trusted image lists); pod-level grants only when every container is trusted. */
  readonly trustedImages: readonly string[];
}

/**
 * Paths Falco's and Elastic's sensitive-mount rules list, plus what an AKS node keeps there: the kubelet's
 * credentials and kubeconfig, `/etc/kubernetes/azure.json` (the cloud-provider identity), the Azure agent's
 * provisioning data, container runtimes' sockets and their containers' filesystems.
 */
export const SENSITIVE_HOST_PATHS: readonly string[] = [
  "/",
  "/proc",
  "/proc/*",
  "/dev",
  "/etc",
  "/etc/kubernetes",
  "/etc/kubernetes/*",
  "/etc/shadow",
  "/etc/sudoers",
  "/etc/sudoers.d",
  "/etc/crontab",
  "/etc/cron.d",
  "/etc/systemd",
  "/etc/systemd/*",
  "/root",
  "/root/*",
  "/home",
  "/home/*",
  "/var",
  "/var/run",
  "/run",
  "/var/run/docker.sock",
  "/run/docker.sock",
  "/var/run/containerd",
  "/var/run/containerd/*",
  "/run/containerd",
  "/run/containerd/*",
  "/var/run/crio/crio.sock",
  "/var/run/cri-dockerd.sock",
  "/var/lib/kubelet",
  "/var/lib/kubelet/pki",
  "/var/lib/kubelet/pods",
  "/var/lib/kubelet/kubeconfig",
  "/var/lib/kubelet/bootstrap-kubeconfig",
  "/var/lib/docker",
  "/var/lib/docker/overlay2",
  "/var/lib/containerd",
  "/var/lib/containerd/*",
  "/var/lib/waagent",
  "/var/lib/waagent/*",
];

/** Elastic's excessive-capabilities list, plus ALL. */
export const DANGEROUS_CAPABILITIES: readonly string[] = [
  "BPF",
  "DAC_READ_SEARCH",
  "NET_ADMIN",
  "SYS_ADMIN",
  "SYS_BOOT",
  "SYS_MODULE",
  "SYS_PTRACE",
  "SYS_RAWIO",
  "SYSLOG",
  "ALL",
];

const HOST_NAMESPACES = ["hostNetwork", "hostPID", "hostIPC"] as const;

/** The raw grants of a pod spec (or of the part of one a patch writes). Runs on every pod a controller creates: kept lean. */
export function profileOf(spec: unknown): PodProfile {
  const access: HostAccess[] = [];
  const images: string[] = [];
  if (spec === undefined) return { images, access };
  for (const name of HOST_NAMESPACES) if (field(spec, name) === true) access.push({ kind: name, where: "pod", value: "" });
  const podContext = field(spec, "securityContext");
  if (podContext !== undefined) {
    if (field(podContext, "windowsOptions", "hostProcess") === true) access.push({ kind: "hostProcess", where: "pod", value: "" });
    rootUser(podContext, "pod", undefined, access);
  }
  for (const volume of asArray(field(spec, "volumes"))) {
    const path = field(volume, "hostPath", "path");
    if (typeof path !== "string" || field(volume, "$patch") === "delete") continue;
    access.push({ kind: "hostPath", where: `volume ${asString(field(volume, "name")) || "(unnamed)"}`, value: normalizePath(path) });
  }
  for (const [list, kind] of CONTAINER_FIELDS) {
    for (const container of asArray(field(spec, list))) {
      if (field(container, "$patch") === "delete") continue;
      const image = asString(field(container, "image"));
      images.push(image);
      const sc = field(container, "securityContext");
      if (sc === undefined || sc === null) continue;
      const where = describeContainer({ kind, name: asString(field(container, "name")), image, securityContext: sc, command: [] });
      if (field(sc, "privileged") === true) access.push({ kind: "privileged", where, value: "", image });
      if (field(sc, "windowsOptions", "hostProcess") === true) access.push({ kind: "hostProcess", where, value: "", image });
      for (const cap of asArray(field(sc, "capabilities", "add"))) {
        const name = normalizeCapability(asString(cap));
        if (name) access.push({ kind: "capability", where, value: name, image });
      }
      rootUser(sc, where, image, access);
    }
  }
  return { images, access };
}

/** The grants that matter under these options, each with the variant it belongs to. */
export function risksOf(profile: PodProfile, options: RiskOptions): PodRisk[] {
  const trusted = matcherFor(options.trustedImages);
  const sensitive = matcherFor(options.sensitiveHostPaths);
  const dangerous = new Set(options.dangerousCapabilities.map(normalizeCapability));
  const allTrusted = profile.images.length > 0 && profile.images.every((image) => trusted(image));
  const risks: PodRisk[] = [];
  for (const grant of profile.access) {
    if (grant.image !== undefined ? trusted(grant.image) : allTrusted) continue;
    const risk = classify(grant, sensitive, dangerous);
    if (risk) risks.push(risk);
  }
  return risks;
}

/** `/etc/../etc//kubernetes/` → `/etc/kubernetes`, so spelling a path differently does not hide it. */
export function normalizePath(path: string): string {
  const parts: string[] = [];
  for (const segment of path.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") parts.pop();
    else parts.push(segment);
  }
  return `/${parts.join("/")}`;
}

function classify(grant: HostAccess, sensitive: (path: string) => boolean, dangerous: ReadonlySet<string>): PodRisk | undefined {
  switch (grant.kind) {
    case "privileged":
      return { variant: "privileged", detail: `${grant.where}: privileged`, value: "" };
    case "hostProcess":
      return { variant: "privileged", detail: `${grant.where}: Windows HostProcess`, value: "" };
    case "hostNetwork":
    case "hostPID":
    case "hostIPC":
      return { variant: grant.kind, detail: grant.kind, value: "" };
    case "hostPath":
      return { variant: sensitive(grant.value) ? "sensitiveHostPath" : "hostPath", detail: `hostPath ${grant.value} (${grant.where})`, value: grant.value };
    case "capability":
      return dangerous.has(grant.value) ? { variant: "capabilities", detail: `${grant.where}: adds ${grant.value}`, value: grant.value } : undefined;
    case "runAsRoot":
      return { variant: "runAsRoot", detail: `${grant.where}: ${grant.value}`, value: grant.value };
  }
}

function rootUser(securityContext: unknown, where: string, image: string | undefined, into: HostAccess[]): void {
  const value = field(securityContext, "runAsUser") === 0 ? "runAsUser 0" : field(securityContext, "runAsNonRoot") === false ? "runAsNonRoot false" : "";
  if (value) into.push(image === undefined ? { kind: "runAsRoot", where, value } : { kind: "runAsRoot", where, value, image });
}

function normalizeCapability(name: string): string {
  const upper = name.trim().toUpperCase();
  return upper.startsWith("CAP_") ? upper.slice(4) : upper;
}
