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
// imports: rbac and credentials
// imports: access and identity
// imports: secrets, exec and lifecycle

/** The four detections DESIGN.md names; the bench compares the full catalogue's cost with theirs. */
export const coreDetections: readonly Detection[] = [anonymousAccess, secretEnumeration, rbacBindingChange, podExec];

/** Every detection kubetrail ships: what the Function and replay run. */
export const allDetections: readonly Detection[] = [
  ...coreDetections,
  // workloads
  // rbac and credentials
  // access and identity
  // secrets, exec and lifecycle
];

export { anonymousAccess, podExec, rbacBindingChange, secretEnumeration };
