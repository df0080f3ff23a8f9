import { labExec } from '../../../lab/lab.ts';

/**
 * A fault at one node-side step boundary, with no switch in the product: a tripwire shadows one
 * command on one node with a wrapper in /usr/local/sbin (first on the PATH nodeward's scripts use,
 * as on Debian). When a call's arguments match the rule's pattern (a sh `case` glob over "$*"),
 * after `skip` earlier matches, the wrapper stops right there, before the command runs, and says
 * so; the test injects its fault and then releases the wrapper: `go` runs the real command, `hang`
 * never returns (a `sleep`, as a command stuck on a lock would). Any other call runs the real
 * command at once. The wrapper is part of whatever session called it, so nodeward's own
 * supervision must end it like any command of the step.
 */
export interface TripRule {
  readonly command: string;
  readonly pattern: string;
  readonly skip?: number;
}

export interface Tripped {
  readonly pid: number;
  readonly args: string;
}

const DIR = '/run/nwlab-trip';
/** The sleep a hung step is: nodeward must end it. */
export const HANG_MARK = 'sleep 86400.5';

async function sh(node: string, script: string): Promise<string> {
  const result = await labExec(node, ['/bin/sh', '-c', script]);
  if (result.code !== 0) throw new Error(`${node}: ${script}: exit ${result.code}: ${result.stderr}`);
  return result.stdout;
}

function wrapper(command: string, real: string): string {
  return `#!/bin/sh
# nodeward lab tripwire in front of ${real} (test/lab/fault-matrix/tripwire.ts)
t=${DIR}
if [ -f "$t/rule" ] && [ ! -e "$t/tripped" ]; then
  IFS=' ' read -r cmd skip pat < "$t/rule"
  if [ "$cmd" = ${command} ]; then
    case "$*" in
      $pat)
        n=$(cat "$t/seen" 2>/dev/null || echo 0)
        if [ "$n" -lt "$skip" ]; then echo $((n + 1)) > "$t/seen"
        elif mkdir "$t/tripped" 2>/dev/null; then
          printf '%s\\n%s\\n' "$$" "$*" > "$t/tripped/info"
          while [ ! -f "$t/release" ]; do sleep 0.05; done
          read -r how < "$t/release"
          if [ "$how" = hang ]; then exec ${HANG_MARK}; fi
        fi ;;
    esac
  fi
fi
exec ${real} "$@"
`;
}

/** Installs the wrapper for `rule.command` on `node` and arms the rule. */
export async function armTripwire(node: string, rule: TripRule): Promise<void> {
  const real = (await sh(node, `PATH=/usr/sbin:/usr/bin:/sbin:/bin command -v ${rule.command}`)).trim();
  if (!real.startsWith('/')) throw new Error(`${node}: no ${rule.command} to put a tripwire in front of`);
  await labExec(node, ['/bin/sh', '-c', `mkdir -p ${DIR} && rm -rf ${DIR}/tripped ${DIR}/release ${DIR}/seen && cat > /usr/local/sbin/${rule.command} && chmod 755 /usr/local/sbin/${rule.command} && printf '%s %s %s\\n' '${rule.command}' ${rule.skip ?? 0} "$1" > ${DIR}/rule`, 'arm', rule.pattern], {
    input: wrapper(rule.command, real),
  }).then((r) => {
    if (r.code !== 0) throw new Error(`${node}: arming the tripwire: ${r.stderr}`);
  });
}

/** Waits until a call trips the wire (undefined if none did within `timeoutMs` or `until` settled first). */
export async function waitTrip(node: string, timeoutMs: number, until?: Promise<unknown>): Promise<Tripped | undefined> {
  let settled = false;
  void until?.then(
    () => (settled = true),
    () => (settled = true),
  );
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !settled) {
    const info = await labExec(node, ['cat', `${DIR}/tripped/info`]);
    if (info.code === 0) {
      const [pid = '0', ...args] = info.stdout.split('\n');
      return { pid: Number(pid), args: args.join('\n').trim() };
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return undefined;
}

export async function releaseTrip(node: string, how: 'go' | 'hang'): Promise<void> {
  await sh(node, `printf '%s\\n' ${how} > ${DIR}/release.tmp && mv ${DIR}/release.tmp ${DIR}/release`);
}

/** Removes the wrapper and the rule; a hung wrapper left behind stays for the test to find. */
export async function disarmTripwire(node: string, command: string): Promise<void> {
  await sh(node, `rm -f /usr/local/sbin/${command}; rm -rf ${DIR}`);
}
