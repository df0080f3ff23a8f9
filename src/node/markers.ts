/** Lines of the form `NW_<WORD> rest` from a script's stdout: how every node script reports (the protocol's one answer format). */
export function markers(stdout: Buffer | string): { word: string; rest: string }[] {
  return stdout
    .toString()
    .split('\n')
    .flatMap((line) => {
      const match = /^NW_([A-Z_]+)(?: (.*))?$/.exec(line);
      return match ? [{ word: match[1] ?? '', rest: match[2] ?? '' }] : [];
    });
}
