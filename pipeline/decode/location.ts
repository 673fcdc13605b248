/** Where a record came from, precise enough to find it again: file and line (or CSV row), or partition and sequence number. */
export interface SourceLocation {
  /** A file path, `-` for stdin, or `eventhub` for live messages. */
  readonly source: string;
  readonly line?: number;
  /** A CSV record, counted as a spreadsheet counts rows (the header is row 1); one row may span several lines. */
  readonly row?: number;
  readonly partition?: string;
  readonly sequenceNumber?: number;
  /** Index path of the record inside a multi-record message (`records[]`, arrays, EventLists), e.g. `3` or `0.12`. */
  readonly record?: string;
}

export function formatLocation(loc: SourceLocation): string {
  let text: string;
  if (loc.partition !== undefined || loc.sequenceNumber !== undefined) {
    text = loc.partition !== undefined ? `partition ${loc.partition}` : loc.source;
    if (loc.sequenceNumber !== undefined) text += ` sequence ${loc.sequenceNumber}`;
  } else if (loc.row !== undefined) {
    text = `${loc.source} row ${loc.row}`;
  } else {
    text = loc.line !== undefined ? `${loc.source}:${loc.line}` : loc.source;
  }
  if (loc.record !== undefined) text += ` record ${loc.record}`;
  return text;
}

export function withRecord(loc: SourceLocation, index: number): SourceLocation {
  // Built field by field, not spread: this runs once per record, and one object shape keeps it cheap.
  return {
    source: loc.source,
    line: loc.line,
    row: loc.row,
    partition: loc.partition,
    sequenceNumber: loc.sequenceNumber,
    record: loc.record === undefined ? String(index) : `${loc.record}.${index}`,
  };
}
