import { spawn } from 'node:child_process';
import { KubeApiError } from './errors.ts';
import type { ClientCertificate, ExecConfig } from './kubeconfig.ts';

/** What a credential plugin answered (client.authentication.k8s.io ExecCredential status). */
export interface ExecCredential {
  readonly token: string | undefined;
  readonly clientCert: ClientCertificate | undefined;
  /** ms since the epoch; undefined: valid until the API server says otherwise (a 401). */
  readonly expiresAt: number | undefined;
}

/** A plugin that neither answers nor exits is stopped; long enough for a device-code login its stderr asks for. */
const PLUGIN_TIMEOUT_MS = 300_000;
const MAX_OUTPUT = 1 << 20;

/**
 * Runs the plugin as client-go does: the kubeconfig's args and env on top of ours,
 * KUBERNETES_EXEC_INFO with `interactive: false` (and the cluster with provideClusterInfo),
 * no stdin, its stderr passed on to ours (as kubectl does: a device-code login says there what to
 * do). A failure names the user, the command and the first line of its stderr.
 */
export function runExecPlugin(exec: ExecConfig, user: string | undefined): Promise<ExecCredential> {
  const fail = (why: string): KubeApiError => new KubeApiError(`getting credentials for user ${user ?? '(none)'}: exec ${exec.command}: ${why}`, undefined);
  const info = { apiVersion: exec.apiVersion, kind: 'ExecCredential', spec: { interactive: false, ...(exec.cluster ? { cluster: exec.cluster } : {}) } };
  return new Promise((resolvePromise, reject) => {
    const child = spawn(exec.path, exec.args, {
      env: { ...process.env, ...exec.env, KUBERNETES_EXEC_INFO: JSON.stringify(info) },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: PLUGIN_TIMEOUT_MS,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let size = 0;
    const keep = (into: Buffer[]) => (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_OUTPUT) into.push(chunk);
    };
    child.stdout.on('data', keep(out));
    child.stderr.on('data', keep(err));
    child.stderr.pipe(process.stderr, { end: false });
    child.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') reject(fail(`executable ${exec.path} not found${exec.installHint ? `: ${exec.installHint.trim()}` : ''}`));
      else reject(fail(error.message));
    });
    child.on('close', (code, signal) => {
      const stderr = Buffer.concat(err).toString('utf8').split('\n').find((line) => line.trim() !== '')?.trim();
      if (code !== 0) {
        const how = signal ? (signal === 'SIGTERM' ? `stopped after ${PLUGIN_TIMEOUT_MS / 1000} s` : `killed by ${signal}`) : `exit status ${code}`;
        reject(fail(`${how}${stderr ? `: ${stderr}` : ''}`));
        return;
      }
      try {
        resolvePromise(parseExecCredential(Buffer.concat(out).toString('utf8'), exec.apiVersion));
      } catch (error) {
        reject(fail((error as Error).message));
      }
    });
  });
}

/** The plugin's stdout → the credential; throws a plain Error saying what is wrong with it. */
export function parseExecCredential(text: string, apiVersion: string): ExecCredential {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new Error(`its output is not an ExecCredential (not JSON: ${JSON.stringify(text.slice(0, 60))})`);
  }
  const obj = (typeof doc === 'object' && doc !== null ? doc : {}) as Record<string, unknown>;
  if (obj['kind'] !== 'ExecCredential') throw new Error(`its output is not an ExecCredential (kind ${String(obj['kind'])})`);
  if (obj['apiVersion'] !== apiVersion) throw new Error(`the plugin is configured to use API version ${apiVersion}, it returned ${String(obj['apiVersion'])}`);
  const status = obj['status'];
  if (typeof status !== 'object' || status === null) throw new Error('its ExecCredential has no status');
  const s = status as Record<string, unknown>;
  const text_ = (key: string): string | undefined => (typeof s[key] === 'string' && s[key] !== '' ? s[key] : undefined);
  const token = text_('token');
  const cert = text_('clientCertificateData');
  const key = text_('clientKeyData');
  if ((cert === undefined) !== (key === undefined)) throw new Error('its ExecCredential has only one of clientCertificateData and clientKeyData');
  if (token === undefined && cert === undefined) throw new Error('its ExecCredential has neither a token nor a client certificate');
  const expiry = text_('expirationTimestamp');
  const expiresAt = expiry === undefined ? undefined : Date.parse(expiry);
  if (expiresAt !== undefined && Number.isNaN(expiresAt)) throw new Error(`its expirationTimestamp ${expiry} is not a time`);
  return { token, clientCert: cert !== undefined && key !== undefined ? { cert: Buffer.from(cert), key: Buffer.from(key) } : undefined, expiresAt };
}
