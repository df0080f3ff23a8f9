import { randomBytes } from 'node:crypto';

export interface Section {
  readonly id: string;
  readonly body: Buffer;
}

export function newBoundary(): string {
  return `NWB${randomBytes(16).toString('hex')}`;
}

/**
 * Splits the facts script's output into its sections. Binary-safe: a section's body is every
 * byte between its header line and the next "\n<boundary> ". Bytes before the first section
 * (a chatty login script, a motd) are ignored.
 */
export function splitSections(output: Buffer, boundary: string): Section[] {
  const marker = Buffer.from(`\n${boundary} `);
  const sections: Section[] = [];
  let at = output.indexOf(marker);
  while (at !== -1) {
    const headerStart = at + marker.length;
    const headerEnd = output.indexOf(0x0a, headerStart);
    if (headerEnd === -1) break;
    const id = output.subarray(headerStart, headerEnd).toString('latin1');
    const next = output.indexOf(marker, headerEnd);
    const bodyEnd = next === -1 ? output.length : next;
    sections.push({ id, body: output.subarray(headerEnd + 1, bodyEnd) });
    at = next;
  }
  return sections;
}

/** Reads NUL-terminated fields from the start of a body; the remainder is what follows the last one. */
export function readFields(body: Buffer, count: number): { fields: string[]; rest: Buffer } | undefined {
  const fields: string[] = [];
  let at = 0;
  for (let i = 0; i < count; i++) {
    const end = body.indexOf(0, at);
    if (end === -1) return undefined;
    fields.push(body.subarray(at, end).toString('utf8'));
    at = end + 1;
  }
  return { fields, rest: body.subarray(at) };
}
