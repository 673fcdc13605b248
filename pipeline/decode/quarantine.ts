import { type SourceLocation, formatLocation } from "./location.js";
import { redactExcerpt } from "../normalize/redact.js";

/** A record the pipeline could not use, kept with its reason and enough of the raw text to find it again. */
export interface QuarantineEntry {
  readonly reason: string;
  readonly location: string;
  /** The auditID, when it could be read off the raw text. */
  readonly auditId: string | undefined;
  /** The start of the raw record, cut before anything that may hold a secret value. */
  readonly excerpt: string;
}

const AUDIT_ID_PATTERN = /\\?"auditID\\?"\s*:\s*\\?"([0-9A-Za-z._:-]{1,100})\\?"/;

export function quarantineEntry(reason: string, location: SourceLocation, raw: unknown): QuarantineEntry {
  const text = rawText(raw);
  return {
    reason,
    location: formatLocation(location),
    auditId: AUDIT_ID_PATTERN.exec(text.slice(0, 64 * 1024))?.[1],
    excerpt: redactExcerpt(text),
  };
}

function rawText(raw: unknown): string {
  if (typeof raw === "string") return raw;
  try {
    return JSON.stringify(raw) ?? typeof raw;
  } catch {
    // Nested too deep for the stack (or a BigInt from a host that parsed the body): keep the reason, not the value.
    return `[${Array.isArray(raw) ? "array" : typeof raw} that cannot be serialized]`;
  }
}
