import { unitName } from '../facts/script.ts';
import { markers } from '../node/markers.ts';
import { lines, sh, type Script } from '../node/sh.ts';

/**
 * The health gate's exec, and what it answers. It lives with the gate (health/), which apply and
 * rollout both use, so neither of them owns what the other reads.
 */
export interface ProbeRequest {
  readonly units: readonly string[];
  /** http://127.0.0.1:10248/healthz, or undefined when healthz is off. */
  readonly healthzUrl: string | undefined;
  /**
   * Wait on the node, up to `seconds`, until the probe has something to say: every unit active and
   * /healthz `ok`, or a unit failed, or the kubelet restarted `kubeletRestartsAtMost` times (a crash
   * loop). Without it the probe answers at once.
   */
  readonly wait?: { readonly seconds: number; readonly kubeletRestartsAtMost?: number | undefined } | undefined;
}

/** How often the node looks at /healthz while it waits (a curl to 127.0.0.1); the units, by systemctl, every fifth look. */
export const NODE_POLL_SECONDS = 0.2;
const UNITS_EVERY = 5;

function show(units: readonly string[]): Script {
  return sh`systemctl show -p Id,ActiveState,SubState,NRestarts,Result -- ${units.map(unitName)} 2>/dev/null`;
}

// curl, else wget, else python3: what a node has to fetch /healthz with, each bounded to 3 s
function fetchHealthz(url: string): Script {
  return lines([
    sh`if command -v curl >/dev/null 2>&1; then h=$(curl -fsS -m 3 ${url} 2>&1)`,
    sh`elif command -v wget >/dev/null 2>&1; then h=$(wget -qO- -T 3 ${url} 2>&1)`,
    sh`elif command -v python3 >/dev/null 2>&1; then h=$(python3 -c 'import sys,urllib.request; print(urllib.request.urlopen(sys.argv[1], timeout=3).read().decode())' ${url} 2>&1 | tail -n 1)`,
    sh`else h='no http client (curl, wget or python3) on the node'; fi`,
  ]);
}

const HEALTHZ_LINE = sh`printf 'NW_HEALTHZ %s\\n' "$(printf '%s' "$h" | head -c 200 | tr '\\n' ' ')"`;

/** Unit states, node clock, and the kubelet's /healthz fetched on the node: at once, or once there is something to say (`wait`). */
export function probeScript(request: ProbeRequest): Script {
  if (request.wait) return waitingProbeScript(request, request.wait);
  const parts = request.units.map((u) => sh`systemctl show -p Id,ActiveState,SubState,NRestarts,Result -- ${unitName(u)} 2>/dev/null; echo`);
  parts.push(sh`printf 'NW_NOW %s\\n' "$(date +%s)"`);
  if (request.healthzUrl) parts.push(fetchHealthz(request.healthzUrl), HEALTHZ_LINE);
  parts.push(sh`exit 0`, sh``);
  return lines(parts);
}

/**
 * The gate's one exec for up to `wait.seconds`: the node looks every NODE_POLL_SECONDS and answers
 * as soon as the controller has a verdict to make, instead of one exec (sshd channel, sudo, sh) per
 * look. /healthz is cheap to ask; systemctl is asked once /healthz is ok (the units must be active
 * too), and every fifth look meanwhile, so a unit that failed ends the wait within a second. The
 * answer is the immediate probe's (parseProbe reads both).
 */
function waitingProbeScript(request: ProbeRequest, wait: NonNullable<ProbeRequest['wait']>): Script {
  const units = request.units;
  const seconds = Math.max(0, Math.floor(wait.seconds));
  const most = wait.kubeletRestartsAtMost;
  const url = request.healthzUrl;
  const look = url
    ? sh`  ${fetchHealthz(url)}
  if [ "$h" = ok ] || [ $((nw_i % ${UNITS_EVERY})) = 0 ]; then
    nw_show
    if nw_settled; then [ -n "$nw_bad" ] || [ "$h" = ok ] && break; fi
  fi`
    : sh`  nw_show
  nw_settled && break`;
  return sh`set -f
nw_show() { nw_u=$(${show(units)}); }
# every unit active (nw_bad empty), or one failed or the kubelet crash-looping (nw_bad=1)
nw_settled() {
  nw_act=0 nw_id= nw_bad=
  for nw_l in $nw_u; do
    case $nw_l in
      Id=*) nw_id=\${nw_l#Id=} ;;
      ActiveState=active) nw_act=$((nw_act + 1)) ;;
      ActiveState=failed) nw_bad=1 ;;
${most === undefined ? sh`` : sh`      NRestarts=*) if [ "$nw_id" = kubelet.service ] && [ "\${nw_l#NRestarts=}" -ge ${Math.floor(most)} ] 2>/dev/null; then nw_bad=1; fi ;;`}
    esac
  done
  [ -n "$nw_bad" ] || [ "$nw_act" -ge ${units.length} ]
}
nw_end=$(($(date +%s) + ${seconds}))
nw_i=0 h=
while :; do
${look}
  if [ $((nw_i % ${UNITS_EVERY})) = 0 ] && [ "$(date +%s)" -ge "$nw_end" ]; then nw_show; break; fi
  nw_i=$((nw_i + 1))
  sleep ${String(NODE_POLL_SECONDS)} 2>/dev/null || sleep 1
done
printf '%s\\n\\n' "$nw_u"
printf 'NW_NOW %s\\n' "$(date +%s)"
${url ? HEALTHZ_LINE : sh``}
exit 0
`;
}

export interface UnitState {
  readonly activeState: string;
  readonly subState: string;
  readonly nRestarts: number;
  readonly result: string;
}

export interface Probe {
  readonly units: ReadonlyMap<string, UnitState>;
  readonly now: number;
  readonly healthz: string | undefined;
}

export function parseProbe(stdout: Buffer): Probe {
  const text = stdout.toString();
  const units = new Map<string, UnitState>();
  for (const block of text.split(/\n\s*\n/)) {
    const props = new Map(block.split('\n').flatMap((line) => (line.includes('=') && !line.startsWith('NW_') ? [[line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)] as [string, string]] : [])));
    const id = props.get('Id');
    if (!id) continue;
    units.set(id, {
      activeState: props.get('ActiveState') ?? 'unknown',
      subState: props.get('SubState') ?? '',
      nRestarts: Number(props.get('NRestarts')) || 0,
      result: props.get('Result') ?? '',
    });
  }
  const found = markers(stdout);
  return {
    units,
    now: Number(found.find((m) => m.word === 'NOW')?.rest) || 0,
    healthz: found.find((m) => m.word === 'HEALTHZ')?.rest,
  };
}
