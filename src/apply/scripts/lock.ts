import { shQuote } from '../../transport/shell-quote.ts';
import { markers, prelude, RUN_ID_PATTERN } from './common.ts';

export interface LockRequest {
  readonly stateDir: string;
  readonly runId: string;
  readonly owner: string;
  readonly pid: number;
  readonly command: string;
  readonly ttlSeconds: number;
  /** Earlier attempts of this same run (known dead): their locks are taken over even before they expire. */
  readonly takeOverFrom?: readonly string[] | undefined;
}

export type LockResult =
  | { readonly status: 'acquired' | 'refreshed' }
  | { readonly status: 'taken-over'; readonly previous: Record<string, string> }
  | { readonly status: 'held'; readonly holder: Record<string, string> };

function clean(value: string): string {
  return value.replace(/[\n\r\0]/g, ' ').slice(0, 200);
}

/**
 * Takes the node-side lock: a file created with O_EXCL (`set -C`). A lock past its expiry is
 * taken over (and reported); a live one held by another run refuses. Re-running refreshes ours.
 */
export function lockScript(request: LockRequest): string {
  const body = [
    `runId=${request.runId}`,
    `owner=${clean(request.owner)}`,
    `pid=${request.pid}`,
    `command=${clean(request.command)}`,
  ].join('\n');
  return `${prelude(request.stateDir, request.runId)}
mkdir -p "$S/runs" && chmod 700 "$S" "$S/runs" || nw_fail lock "cannot create $S"
L="$S/lock"
now=$(date +%s)
body=${shQuote(body)}
content="$body
acquired=$now
expires=$((now + ${Math.max(1, Math.floor(request.ttlSeconds))}))"
# once the lock is ours: the runs an earlier controller left unfinished (saves the node an exec)
nw_locked() {
  echo "NW_LOCK $1"
  for d in "$S"/runs/*/; do
    [ -f "$d/state" ] || continue
    st=$(cat "$d/state")
    case $st in started|writing|written|restarting) printf 'NW_PENDING %s %s %s\\n' "$(basename "$d")" "$st" "$(tr '\\n' ' ' < "$d/owed" 2>/dev/null)" ;; esac
  done
  exit 0
}
if ( set -C; printf '%s\\n' "$content" > "$L" ) 2>/dev/null; then nw_locked acquired; fi
rid=$(sed -n 's/^runId=//p' "$L" 2>/dev/null)
exp=$(sed -n 's/^expires=//p' "$L" 2>/dev/null)
if [ "$rid" = "$RID" ]; then printf '%s\\n' "$content" > "$L.$RID" && mv -f "$L.$RID" "$L"; nw_locked refreshed; fi
case $exp in ''|*[!0-9]*) exp=0 ;; esac
case " ${(request.takeOverFrom ?? []).filter((id) => RUN_ID_PATTERN.test(id)).join(' ')} " in *" $rid "*) [ -n "$rid" ] && exp=0 ;; esac
if [ "$exp" -lt "$now" ]; then
  sed 's/^/NW_PREVIOUS /' "$L"
  printf '%s\\n' "$content" > "$L.$RID" && mv -f "$L.$RID" "$L"
  [ "$(sed -n 's/^runId=//p' "$L")" = "$RID" ] && nw_locked taken-over
fi
sed 's/^/NW_HOLDER /' "$L"
echo NW_LOCK held
`;
}

export function parseLockOutput(stdout: Buffer): LockResult | undefined {
  const found = markers(stdout);
  const fields = (word: string): Record<string, string> =>
    Object.fromEntries(
      found
        .filter((m) => m.word === word)
        .map((m) => {
          const eq = m.rest.indexOf('=');
          return [m.rest.slice(0, eq), m.rest.slice(eq + 1)];
        }),
    );
  const status = found.find((m) => m.word === 'LOCK')?.rest;
  if (status === 'acquired' || status === 'refreshed') return { status };
  if (status === 'taken-over') return { status, previous: fields('PREVIOUS') };
  if (status === 'held') return { status, holder: fields('HOLDER') };
  return undefined;
}

export function unlockScript(stateDir: string, runId: string): string {
  return `${prelude(stateDir, runId)}
L="$S/lock"
if [ "$(sed -n 's/^runId=//p' "$L" 2>/dev/null)" = "$RID" ]; then rm -f "$L"; echo NW_UNLOCK released; else echo NW_UNLOCK not-ours; fi
`;
}
