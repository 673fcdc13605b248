/**
 * The detections kubetrail runs, in a fixed order. Add a detection here after writing its file and
 * tests; the README's detection table is generated from this list (`npm run generate`).
 */
import type { Detection } from "../pipeline/detect/detection.js";
import { anonymousAccess } from "./anonymousAccess.js";
import { podExec } from "./podExec.js";
import { rbacBindingChange } from "./rbacBindingChange.js";
import { secretEnumeration } from "./secretEnumeration.js";
// imports: workloads
import { privilegedWorkload } from "./privilegedWorkload.js";
import { systemNamespaceWorkload } from "./systemNamespaceWorkload.js";
import { workloadImage } from "./workloadImage.js";
import { workloadPersistence } from "./workloadPersistence.js";
import { serviceExposure } from "./serviceExposure.js";
import { nodeJoin } from "./nodeJoin.js";
import { execIntoPrivilegedPod } from "./execIntoPrivilegedPod.js";
// imports: rbac and credentials
import { rbacRoleChange } from "./rbacRoleChange.js";
import { credentialMinting } from "./credentialMinting.js";
import { configmapCredentials } from "./configmapCredentials.js";
import { serviceAccountCreated } from "./serviceAccountCreated.js";
import { admissionWebhookChange } from "./admissionWebhookChange.js";
import { corednsChange } from "./corednsChange.js";
import { privilegeGrantedThenUsed } from "./privilegeGrantedThenUsed.js";
import { escalationSequence } from "./escalationSequence.js";
// imports: access and identity
import { adminCredentialUse } from "./adminCredentialUse.js";
import { apiDiscovery } from "./apiDiscovery.js";
import { attackToolUserAgent } from "./attackToolUserAgent.js";
import { deniedRequests } from "./deniedRequests.js";
import { firstSeenAccess } from "./firstSeenAccess.js";
import { impersonation } from "./impersonation.js";
import { rbacSelfReview } from "./rbacSelfReview.js";
import { untrustedSource } from "./untrustedSource.js";
// imports: secrets, exec and lifecycle
import { anonymousAccessThenWrite } from "./anonymousAccessThenWrite.js";
import { apiTunnel } from "./apiTunnel.js";
import { eventsDeleted } from "./eventsDeleted.js";
import { objectLifecycle } from "./objectLifecycle.js";
import { secretAccess } from "./secretAccess.js";

/** The four detections DESIGN.md names; the bench compares the full catalogue's cost with theirs. */
export const coreDetections: readonly Detection[] = [anonymousAccess, secretEnumeration, rbacBindingChange, podExec];

/** Every detection kubetrail ships: what the Function and replay run. */
export const allDetections: readonly Detection[] = [
  ...coreDetections,
  // workloads
  privilegedWorkload,
  systemNamespaceWorkload,
  workloadImage,
  workloadPersistence,
  serviceExposure,
  nodeJoin,
  execIntoPrivilegedPod,
  // rbac and credentials
  rbacRoleChange,
  credentialMinting,
  configmapCredentials,
  serviceAccountCreated,
  admissionWebhookChange,
  corednsChange,
  privilegeGrantedThenUsed,
  escalationSequence,
  // access and identity
  deniedRequests,
  apiDiscovery,
  rbacSelfReview,
  attackToolUserAgent,
  untrustedSource,
  adminCredentialUse,
  impersonation,
  firstSeenAccess,
  // secrets, exec and lifecycle
  secretAccess,
  apiTunnel,
  eventsDeleted,
  objectLifecycle,
  anonymousAccessThenWrite,
];

export { anonymousAccess, podExec, rbacBindingChange, secretEnumeration };
