import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { labExec, type LabInfo } from '../../lab/lab.ts';
import { testStateDir } from './helpers.ts';

const MAIN = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the built `nodeward` CLI as a user would (no terminal: plain progress, no prompts). */
export function nodeward(args: readonly string[], options: { env?: NodeJS.ProcessEnv; timeoutMs?: number; onStderr?: (text: string, child: ChildProcess) => void; started?: (child: ChildProcess) => void } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, ...args], {
      env: { ...process.env, XDG_STATE_HOME: process.env['NW_TEST_STATE'] ?? testStateDir(), NO_COLOR: '1', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    options.started?.(child);
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => {
      err += b.toString();
      options.onStderr?.(err, child);
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 170_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal === 'SIGINT' ? 130 : 128), stdout: Buffer.concat(out).toString(), stderr: err });
    });
  });
}

/** Runs a shell command as root inside a node and returns stdout (throws on failure): for independent audits. */
export async function onNode(node: string, script: string): Promise<string> {
  const result = await labExec(node, ['sh', '-c', script]);
  if (result.code !== 0) throw new Error(`${node}: ${script}: exit ${result.code}: ${result.stderr}`);
  return result.stdout;
}

/** sha256 and mode/owner of the files apply may touch, per node: "nothing changed" is this being equal. */
export async function nodeSnapshot(node: string): Promise<string> {
  return onNode(
    node,
    'for f in /var/lib/kubelet/config.yaml /etc/kubernetes/kubelet.conf /etc/kubernetes/pki/ca.crt /var/lib/kubelet/pki/kubelet.key ' +
      '/lib/systemd/system/kubelet.service /etc/systemd/system/kubelet.service.d/10-kubeadm.conf /etc/sysctl.d/*.conf; do ' +
      '[ -e "$f" ] && printf "%s %s %s\\n" "$f" "$(stat -c %a:%U:%G "$f")" "$(sha256sum < "$f" | cut -c1-16)"; done; ' +
      'for k in net.ipv4.conf.all.accept_redirects net.ipv4.tcp_syncookies net.ipv4.ip_forward kernel.randomize_va_space; do printf "%s=%s\\n" $k "$(sysctl -n $k)"; done',
  );
}

/** What the lab itself runs in a node (init is session 0 there, as are the lab's own `exec`s). */
const LAB_DAEMONS = [/^sshd: \/usr\/sbin\/sshd -D \[listener\]/, /^\/usr\/bin\/containerd(?!.* config dump)( |$)/, /^\/usr\/bin\/kubelet /, /^sleep 2147483647$/];

/**
 * Processes in a node that are neither the lab's daemons nor the lab's own audits: after a run,
 * anything here was started by nodeward (a script, a validator, a package manager) and outlived it.
 */
export async function leftoverProcesses(node: string): Promise<string> {
  const ps = await onNode(node, 'ps -e -o pid=,sid=,args=');
  return ps
    .split('\n')
    .map((line) => /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null && m[2] !== '0' && !LAB_DAEMONS.some((daemon) => daemon.test(m[3] ?? '')))
    .map((m) => `${m[1]} ${m[3]}`)
    .join('\n');
}

export async function tempFilesOn(node: string): Promise<string> {
  return onNode(node, 'find /etc /var/lib/kubelet /lib/systemd -name ".nodeward.*" 2>/dev/null; true');
}

export function inventoryOf(info: LabInfo): string {
  return info.files.inventory;
}

