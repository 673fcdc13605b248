const ISO_WITHOUT_ZONE = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/;

/**
 * Parses audit timestamps (RFC 3339 with 0–9 fractional digits) into epoch milliseconds. Times without a
 * zone (some exports write `2022-11-29 00:09:04.38`) are read as UTC so a replay gives the same result anywhere.
 */
export function parseEventTime(value: unknown): number | undefined {
  if (typeof value !== "string" || value.length < 10) return undefined;
  let text = value;
  if (ISO_WITHOUT_ZONE.test(text)) text = `${text.replace(" ", "T")}Z`;
  const ms = Date.parse(text);
  return Number.isFinite(ms) ? ms : undefined;
}
