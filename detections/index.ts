/** The detections kubetrail runs, in a fixed order. Add a detection here after writing its file and tests. */
import type { Detection } from "../pipeline/detect/detection.js";
import { anonymousAccess } from "./anonymousAccess.js";
import { podExec } from "./podExec.js";
import { rbacBindingChange } from "./rbacBindingChange.js";
import { secretEnumeration } from "./secretEnumeration.js";

export const coreDetections: readonly Detection[] = [anonymousAccess, secretEnumeration, rbacBindingChange, podExec];

export { anonymousAccess, podExec, rbacBindingChange, secretEnumeration };
