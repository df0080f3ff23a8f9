/** A text shared by this many rows of a table is printed once under it, the rows pointing at it. */
const FOOTNOTE_AT = 3;

/**
 * Per row its cell ("[1]" for a text many rows share, else the text) and the footnotes to print
 * under the table: one message per cause, not one per node (50 unreachable nodes, one reason).
 */
export function footnoted(texts: readonly (string | undefined)[]): { readonly cells: string[]; readonly notes: string } {
  const shared = new Map<string, number>();
  for (const text of texts) if (text) shared.set(text, (shared.get(text) ?? 0) + 1);
  const noted = [...shared].filter(([, n]) => n >= FOOTNOTE_AT).map(([text]) => text);
  const cells = texts.map((text) => (text && noted.includes(text) ? `[${noted.indexOf(text) + 1}]` : (text ?? '')));
  const notes = noted.map((text, i) => `[${i + 1}] ${text} (${shared.get(text)} nodes)\n`).join('');
  return { cells, notes };
}
