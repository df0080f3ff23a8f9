import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse } from 'yaml';
import { KubeApiError } from './errors.ts';

/**
 * A kubeconfig read as kubectl reads it (one file: the inventory names it): the current context's
 * cluster and user, files resolved against the kubeconfig's folder and read now, and what
 * client-go refuses refused here with its words. `auth-provider` and `proxy-url` are refused
 * with what to use instead.
 */
export interface KubeTarget {
  readonly file: string;
  readonly context: string;
  readonly cluster: string;
  readonly user: string | undefined;
  readonly server: URL;
  readonly tls: KubeTls;
  readonly auth: KubeAuth;
  /** Impersonate-* headers from `as`, `as-uid`, `as-groups`, `as-user-extra`. */
  readonly headers: Readonly<Record<string, string | readonly string[]>>;
}

export interface KubeTls {
  /** PEM bytes replacing the default roots (client-go: certificate-authority(-data)). */
  readonly ca: Buffer | undefined;
  readonly insecure: boolean;
  readonly serverName: string | undefined;
}

export interface ClientCertificate {
  readonly cert: Buffer;
  readonly key: Buffer;
}

/** How requests authenticate. `exec` is asked only when the user sets no static credential (client-go's order). */
export interface KubeAuth {
  readonly clientCert: ClientCertificate | undefined;
  readonly header: { readonly kind: 'token'; readonly token: string } | { readonly kind: 'tokenFile'; readonly path: string } | { readonly kind: 'basic'; readonly username: string; readonly password: string } | undefined;
  readonly exec: ExecConfig | undefined;
}

export interface ExecConfig {
  readonly apiVersion: ExecApiVersion;
  /** As written; `path` is what is run (resolved against the kubeconfig's folder when it has a `/`). */
  readonly command: string;
  readonly path: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly installHint: string | undefined;
  /** The cluster as KUBERNETES_EXEC_INFO carries it (provideClusterInfo: true), else undefined. */
  readonly cluster: Readonly<Record<string, unknown>> | undefined;
}

export const EXEC_API_VERSIONS = ['client.authentication.k8s.io/v1', 'client.authentication.k8s.io/v1beta1'] as const;
export type ExecApiVersion = (typeof EXEC_API_VERSIONS)[number];

type Obj = Readonly<Record<string, unknown>>;

function isObj(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads and resolves `file` (relative: against the working directory). Every problem is a KubeApiError naming the file. */
export async function loadKubeconfig(file: string): Promise<KubeTarget> {
  const path = resolve(file);
  const fail = (message: string): never => {
    throw new KubeApiError(`kubeconfig ${path}: ${message}`, undefined);
  };
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    return fail(`cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (error) {
    return fail(`not YAML: ${(error as Error).message.split('\n')[0] ?? ''}`);
  }
  if (!isObj(doc)) return fail('not a kubeconfig (no mapping at the top)');
  return resolveKubeconfig(doc, path, fail);
}

function named(doc: Obj, list: string, field: string, name: string): Obj | undefined {
  const items = doc[list];
  if (!Array.isArray(items)) return undefined;
  const item: unknown = items.find((entry: unknown) => isObj(entry) && entry['name'] === name);
  if (!isObj(item)) return undefined;
  const value = item[field];
  return isObj(value) ? value : {};
}

async function resolveKubeconfig(doc: Obj, path: string, fail: (message: string) => never): Promise<KubeTarget> {
  const dir = dirname(path);
  const str = (obj: Obj, key: string, where: string): string | undefined => {
    const value = obj[key];
    if (value === undefined || value === null || value === '') return undefined;
    if (typeof value !== 'string') return fail(`${where}: ${key} must be a string`);
    return value;
  };
  const file = async (name: string, what: string): Promise<Buffer> => {
    const at = isAbsolute(name) ? name : resolve(dir, name);
    try {
      return await readFile(at);
    } catch (error) {
      return fail(`unable to read ${what} ${at} (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
    }
  };
  const base64 = (value: string, what: string): Buffer => {
    const bytes = Buffer.from(value, 'base64');
    if (bytes.length === 0) fail(`${what} is not base64`);
    return bytes;
  };

  const context = typeof doc['current-context'] === 'string' ? doc['current-context'] : '';
  if (!context) return fail('sets no current-context (kubectl config use-context NAME)');
  const ctx = named(doc, 'contexts', 'context', context);
  if (!ctx) return fail(`current-context ${context}: no such context`);
  const cluster = str(ctx, 'cluster', `context ${context}`);
  if (!cluster) return fail(`context ${context} names no cluster`);
  const c = named(doc, 'clusters', 'cluster', cluster);
  if (!c) return fail(`context ${context} names cluster ${cluster}, which the kubeconfig does not define`);
  const user = str(ctx, 'user', `context ${context}`);
  const u = user === undefined ? {} : named(doc, 'users', 'user', user);
  if (!u) return fail(`context ${context} names user ${user}, which the kubeconfig does not define`);

  // the cluster
  const where = `cluster ${cluster}`;
  const serverText = str(c, 'server', where);
  if (!serverText) return fail(`${where} has no server`);
  let server: URL;
  try {
    server = new URL(serverText);
  } catch {
    return fail(`${where}: server ${serverText} is not a URL`);
  }
  if (server.protocol !== 'https:' && server.protocol !== 'http:') return fail(`${where}: server ${serverText}: only https:// and http:// are supported`);
  if (str(c, 'proxy-url', where) !== undefined) {
    return fail(`${where} sets proxy-url, which nodeward does not support: reach the API server directly (a tunnel you start, e.g. ssh -L, and its address as server)`);
  }
  const caData = str(c, 'certificate-authority-data', where);
  const caFile = str(c, 'certificate-authority', where);
  if (caData && caFile) return fail(`certificate-authority-data and certificate-authority are both specified for ${cluster}: specify only one`);
  const insecure = c['insecure-skip-tls-verify'] === true;
  if (insecure && (caData || caFile)) return fail(`${where}: specifying a root certificates file with the insecure flag is not allowed`);
  const ca = caData ? base64(caData, `${where}: certificate-authority-data`) : caFile ? await file(caFile, `certificate-authority for ${cluster}`) : undefined;
  const tls: KubeTls = { ca, insecure, serverName: str(c, 'tls-server-name', where) };

  // the user
  const who = `user ${user ?? '(none)'}`;
  if (u['auth-provider'] !== undefined && u['auth-provider'] !== null) {
    const name = isObj(u['auth-provider']) && typeof u['auth-provider']['name'] === 'string' ? ` (${u['auth-provider']['name']})` : '';
    return fail(`${who} uses auth-provider${name}, which Kubernetes removed and nodeward does not support: use an exec credential plugin (gke-gcloud-auth-plugin, kubelogin for Azure and OIDC), as kubectl ≥ 1.26 needs`);
  }
  const token = str(u, 'token', who);
  const tokenFile = str(u, 'tokenFile', who);
  const username = str(u, 'username', who);
  const password = str(u, 'password', who);
  if ((token || tokenFile) && (username || password)) return fail(`more than one authentication method found for ${user}; found [token basicAuth], only one is allowed`);
  const header: KubeAuth['header'] = token
    ? { kind: 'token', token }
    : tokenFile
      ? { kind: 'tokenFile', path: isAbsolute(tokenFile) ? tokenFile : resolve(dir, tokenFile) }
      : username || password
        ? { kind: 'basic', username: username ?? '', password: password ?? '' }
        : undefined;

  const certData = str(u, 'client-certificate-data', who);
  const certFile = str(u, 'client-certificate', who);
  const keyData = str(u, 'client-key-data', who);
  const keyFile = str(u, 'client-key', who);
  if (certData && certFile) return fail(`client-cert-data and client-cert are both specified for ${user}: specify only one`);
  if (keyData && keyFile) return fail(`client-key-data and client-key are both specified for ${user}: specify only one`);
  let clientCert: ClientCertificate | undefined;
  if (certData || certFile || keyData || keyFile) {
    if (!certData && !certFile) return fail(`client-cert-data or client-cert must be specified for ${user} to use the clientCert authentication method`);
    if (!keyData && !keyFile) return fail(`client-key-data or client-key must be specified for ${user} to use the clientCert authentication method`);
    clientCert = {
      cert: certData ? base64(certData, `${who}: client-certificate-data`) : await file(certFile ?? '', `client-certificate for ${user}`),
      key: keyData ? base64(keyData, `${who}: client-key-data`) : await file(keyFile ?? '', `client-key for ${user}`),
    };
  }

  let exec: ExecConfig | undefined;
  const e = u['exec'];
  // client-go: a token, basic auth or a client certificate in the kubeconfig wins over the plugin
  if (e !== undefined && e !== null && !header && !clientCert) exec = execConfig(e, who, dir, serverText, tls, c, fail);

  const headers: Record<string, string | string[]> = {};
  const as = str(u, 'as', who);
  if (as) headers['Impersonate-User'] = as;
  const asUid = str(u, 'as-uid', who);
  if (asUid) headers['Impersonate-Uid'] = asUid;
  const groups = u['as-groups'];
  if (Array.isArray(groups) && groups.length > 0) headers['Impersonate-Group'] = groups.map(String);
  const extra = u['as-user-extra'];
  if (isObj(extra)) {
    for (const [key, values] of Object.entries(extra)) {
      if (Array.isArray(values)) headers[`Impersonate-Extra-${encodeURIComponent(key)}`] = values.map(String);
    }
  }

  return { file: path, context, cluster, user, server, tls, auth: { clientCert, header, exec }, headers };
}

function execConfig(e: unknown, who: string, dir: string, server: string, tls: KubeTls, c: Obj, fail: (message: string) => never): ExecConfig {
  if (!isObj(e)) return fail(`${who}: exec must be a mapping`);
  const apiVersion = e['apiVersion'];
  if (!EXEC_API_VERSIONS.includes(apiVersion as ExecApiVersion)) {
    return fail(`${who}: exec apiVersion ${String(apiVersion)} is not supported (${EXEC_API_VERSIONS.join(' or ')})`);
  }
  const command = e['command'];
  if (typeof command !== 'string' || command === '') return fail(`${who}: exec has no command`);
  if (e['interactiveMode'] === 'Always') return fail(`${who}: exec interactiveMode Always: nodeward runs credential plugins without a terminal (use Never or IfAvailable)`);
  const args = Array.isArray(e['args']) ? e['args'].map(String) : [];
  const env: Record<string, string> = {};
  if (Array.isArray(e['env'])) {
    for (const entry of e['env']) if (isObj(entry) && typeof entry['name'] === 'string') env[entry['name']] = String(entry['value'] ?? '');
  }
  // clientcmd resolves a command with a path separator against the kubeconfig's folder, a bare name on PATH
  const path = command.includes('/') && !isAbsolute(command) ? resolve(dir, command) : command;
  const extension = Array.isArray(c['extensions'])
    ? (c['extensions'] as unknown[]).find((x): x is Obj => isObj(x) && x['name'] === 'client.authentication.k8s.io/exec')
    : undefined;
  const cluster = e['provideClusterInfo'] === true
    ? {
        server,
        ...(tls.serverName ? { 'tls-server-name': tls.serverName } : {}),
        ...(tls.insecure ? { 'insecure-skip-tls-verify': true } : {}),
        ...(tls.ca ? { 'certificate-authority-data': tls.ca.toString('base64') } : {}),
        ...(extension && extension['extension'] !== undefined ? { config: extension['extension'] } : {}),
      }
    : undefined;
  return { apiVersion: apiVersion as ExecApiVersion, command, path, args, env, installHint: typeof e['installHint'] === 'string' ? e['installHint'] : undefined, cluster };
}
