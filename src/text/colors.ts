/** ANSI styling, off unless asked for (a TTY without NO_COLOR, decided in cli/). */
export interface Palette {
  readonly green: (s: string) => string;
  readonly red: (s: string) => string;
  readonly yellow: (s: string) => string;
  readonly cyan: (s: string) => string;
  readonly bold: (s: string) => string;
  readonly dim: (s: string) => string;
}

const wrap = (open: number, close: number) => (s: string) => `\u001b[${open}m${s}\u001b[${close}m`;

export const colors: Palette = {
  green: wrap(32, 39),
  red: wrap(31, 39),
  yellow: wrap(33, 39),
  cyan: wrap(36, 39),
  bold: wrap(1, 22),
  dim: wrap(2, 22),
};

const same = (s: string): string => s;
export const plain: Palette = { green: same, red: same, yellow: same, cyan: same, bold: same, dim: same };

export function palette(enabled: boolean): Palette {
  return enabled ? colors : plain;
}
