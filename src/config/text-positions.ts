import type { SourcePosition } from '../util/errors.ts';

/** Line and column (1-based) of each offset in a text. */
export function positionsOf(text: string, offsets: readonly number[], file: string): SourcePosition[] {
  return offsets.map((offset) => {
    const before = text.slice(0, offset);
    const lineStart = before.lastIndexOf('\n') + 1;
    return { file, line: before.split('\n').length, column: offset - lineStart + 1 };
  });
}
