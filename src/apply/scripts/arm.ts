import { lines, sh, type Script } from '../../node/sh.ts';
import { markers, prelude } from './common.ts';

/**
 * The dead-man timer for changes that can cut nodeward off (sshd, firewall). Part of the write
 * script, after the last change and before the run is `written`: a detached sleeper (setsid +
 * nohup, in a session of its own: it outlives the SSH session and nodeward itself) runs the run's
 * own rollback (`$R/rollback.sh`, left by the write script) after `seconds` unless `$R/armed` is
 * gone by then. Confirming, reverting and any rollback of the run claim `$R/armed` by renaming it,
 * so exactly one of them acts. `$R/armed` holds the node clock when it was armed and the seconds.
 */
export function armScript(seconds: number): Script {
  const wait = Math.max(1, Math.floor(seconds));
  return lines([
    sh`printf '%s %s\\n' "$(date +%s)" ${wait} > "$R/armed" || nw_fail arm "cannot arm the revert timer"`,
    // The sleeper must not hold this channel's stdout open, or the exec would never end.
    sh`rm -f "$R/armed.pid"`,
    sh`setsid nohup sh -c 'echo $$ > "$2/armed.pid.tmp" && mv -f "$2/armed.pid.tmp" "$2/armed.pid"; sleep "$1"; mv -f "$2/armed" "$2/reverting" 2>/dev/null || exit 0; sh "$2/rollback.sh" > "$2/revert.log" 2>&1' nw-revert ${wait} "$R" </dev/null >/dev/null 2>&1 &`,
    // Not armed until the sleeper runs in a session of its own: this script's end takes its
    // process group with it, and a fork still in it would be killed before it became the timer.
    sh`n=0; while [ ! -s "$R/armed.pid" ]; do n=$((n + 1)); [ "$n" -lt 100 ] || nw_fail arm "the revert timer did not start"; sleep 0.05; done`,
    sh`printf 'NW_ARMED %s %s\\n' "$(date +%s)" ${wait}`,
  ]);
}

/** Run over a *new* SSH connection: claims the timer's marker, then stops the sleeper. */
export function confirmScript(stateDir: string, runId: string): Script {
  return sh`${prelude(stateDir, runId)}
if mv -f "$R/armed" "$R/confirmed" 2>/dev/null; then
  p=$(cat "$R/armed.pid" 2>/dev/null)
  case $p in ''|*[!0-9]*) ;; *) kill -TERM "-$p" 2>/dev/null || kill -TERM "$p" 2>/dev/null ;; esac
  echo NW_CONFIRMED
elif [ -f "$R/confirmed" ]; then
  echo NW_CONFIRMED
else
  printf 'NW_TOO_LATE %s\\n' "$(cat "$R/state" 2>/dev/null)"
fi
`;
}

export type ConfirmAnswer = { readonly confirmed: true } | { readonly confirmed: false; readonly state: string };

export function parseConfirmOutput(stdout: Buffer): ConfirmAnswer | undefined {
  const found = markers(stdout);
  if (found.some((m) => m.word === 'CONFIRMED')) return { confirmed: true };
  const late = found.find((m) => m.word === 'TOO_LATE');
  return late ? { confirmed: false, state: late.rest.trim() } : undefined;
}

/** The run's state on the node, and whether the timer has fired: polled while waiting for a revert. */
export function revertStateScript(stateDir: string, runId: string): Script {
  return sh`${prelude(stateDir, runId)}
printf 'NW_STATE %s %s %s\\n' "$(cat "$R/state" 2>/dev/null || echo none)" "$([ -f "$R/reverting" ] && echo reverting || echo -)" "$([ -f "$R/armed" ] && echo armed || echo -)"
`;
}

export function parseRevertState(stdout: Buffer): { state: string; reverting: boolean; armed: boolean } | undefined {
  const line = markers(stdout).find((m) => m.word === 'STATE');
  if (!line) return undefined;
  const [state = '', reverting = '', armed = ''] = line.rest.split(' ');
  return { state, reverting: reverting === 'reverting', armed: armed === 'armed' };
}
