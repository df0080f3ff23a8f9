import { readFile } from 'node:fs/promises';
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { apiStatusError, KubeApiError } from './errors.ts';
import { runExecPlugin } from './exec-credential.ts';
import { loadKubeconfig, type ClientCertificate, type KubeTarget } from './kubeconfig.ts';
import type { V1List } from './api-types.ts';

/**
 * The few REST calls nodeward makes, over node:http(s) with the kubeconfig's TLS and credentials
 * (issue 16: @kubernetes/client-node cost ~74 MiB and half a second to load for five calls).
 */
export interface KubeRest {
  /** The kubeconfig's server, for messages; '' until the kubeconfig is read. */
  server(): string;
  /** The parsed JSON answer of a 2xx; anything else is a KubeApiError (with the HTTP status where there is one). */
  request<T>(request: KubeRequest): Promise<T>;
}

/**
 * Every item of a list, read in pages of 500 as kubectl reads a large cluster's lists (`limit`,
 * then `continue` until the server gives none).
 */
export async function listAll<T>(rest: KubeRest, path: string, query: Readonly<Record<string, string | undefined>>): Promise<T[]> {
  const items: T[] = [];
  let page: string | undefined;
  do {
    const list = await rest.request<V1List<T>>({ method: 'GET', path, query: { ...query, limit: '500', continue: page } });
    items.push(...(list.items ?? []));
    page = list.metadata?.continue || undefined;
  } while (page);
  return items;
}

export interface KubeRequest {
  readonly method: 'GET' | 'PATCH' | 'POST';
  /** From the API root: `/api/v1/nodes`. */
  readonly path: string;
  readonly query?: Readonly<Record<string, string | undefined>>;
  readonly body?: unknown;
  /** Of the body: `application/merge-patch+json` for a merge patch; default application/json. */
  readonly contentType?: string;
}

export interface KubeRestOptions {
  /** Per request, from the connection to the last byte of the answer (default 30 s). */
  readonly timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 30_000;
/** A Node list page of 500 is a few MB; refuse an answer that is clearly not what was asked. */
const MAX_ANSWER_BYTES = 256 << 20;
const IDLE_MS = 60_000;

interface Credentials {
  readonly authorization: string | undefined;
  readonly clientCert: ClientCertificate | undefined;
  readonly expiresAt: number | undefined;
  /** A 401 is worth a fresh one: an exec plugin's token, a token file rotated under us. */
  readonly renewable: boolean;
  readonly agent: HttpAgent;
}

/** Every caller in a process shares one client per kubeconfig: one credential plugin run, one connection pool. */
const shared = new Map<string, KubeRest>();

export function kubeRestFor(kubeconfigPath: string): KubeRest {
  let client = shared.get(kubeconfigPath);
  if (!client) shared.set(kubeconfigPath, (client = createKubeRest(kubeconfigPath)));
  return client;
}

export function createKubeRest(kubeconfigPath: string, options: KubeRestOptions = {}): KubeRest {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  let target: Promise<KubeTarget> | undefined;
  let server = '';
  let credentials: Promise<Credentials> | undefined;
  let current: Credentials | undefined;

  const load = (): Promise<KubeTarget> =>
    (target ??= loadKubeconfig(kubeconfigPath).then(
      (t) => {
        server = `${t.server.origin}${t.server.pathname.replace(/\/+$/, '')}`;
        return t;
      },
      (error: unknown) => {
        target = undefined; // a kubeconfig fixed in between is read again
        throw error;
      },
    ));

  const obtain = (t: KubeTarget): Promise<Credentials> => {
    // an expired exec credential is asked again before its next use, as client-go does
    if (credentials && (current?.expiresAt === undefined || current.expiresAt > Date.now())) return credentials;
    const next = credentialsFor(t).then(
      (c) => (current = c),
      (error: unknown) => {
        if (credentials === next) credentials = undefined;
        throw error;
      },
    );
    current = undefined;
    credentials = next;
    return next;
  };

  const renew = (stale: Credentials): void => {
    if (current !== stale) return; // another request already renewed them
    current = undefined;
    credentials = undefined;
  };

  return {
    server: () => server,
    async request<T>(req: KubeRequest): Promise<T> {
      const t = await load();
      const url = urlFor(t.server, req);
      const body = req.body === undefined ? undefined : Buffer.from(JSON.stringify(req.body));
      for (let attempt = 0; ; attempt += 1) {
        const creds = await obtain(t);
        const answer = await send(t, url, req.method, body, req.contentType, creds, timeoutMs);
        if (answer.status === 401 && creds.renewable && attempt === 0) {
          renew(creds);
          continue;
        }
        const text = answer.body.toString('utf8');
        if (answer.status < 200 || answer.status > 299) throw apiStatusError(answer.status, text);
        try {
          return JSON.parse(text) as T;
        } catch {
          throw new KubeApiError(`the API server's answer to ${req.method} ${req.path} is not JSON (HTTP ${answer.status}: ${JSON.stringify(text.slice(0, 80))})`, answer.status);
        }
      }
    },
  };
}

async function credentialsFor(t: KubeTarget): Promise<Credentials> {
  const { auth } = t;
  let authorization: string | undefined;
  let clientCert = auth.clientCert;
  let expiresAt: number | undefined;
  let renewable = false;
  if (auth.exec) {
    const given = await runExecPlugin(auth.exec, t.user);
    authorization = given.token === undefined ? undefined : `Bearer ${given.token}`;
    clientCert = given.clientCert ?? clientCert;
    expiresAt = given.expiresAt;
    renewable = true;
  } else if (auth.header?.kind === 'token') {
    authorization = `Bearer ${auth.header.token}`;
  } else if (auth.header?.kind === 'tokenFile') {
    let token: string;
    try {
      token = (await readFile(auth.header.path, 'utf8')).trim();
    } catch (error) {
      throw new KubeApiError(`kubeconfig ${t.file}: user ${t.user ?? ''}: unable to read tokenFile ${auth.header.path} (${(error as NodeJS.ErrnoException).code ?? String(error)})`, undefined);
    }
    if (!token) throw new KubeApiError(`kubeconfig ${t.file}: user ${t.user ?? ''}: tokenFile ${auth.header.path} is empty`, undefined);
    authorization = `Bearer ${token}`;
    renewable = true; // a projected or rotated token is read again after a 401
  } else if (auth.header?.kind === 'basic') {
    authorization = `Basic ${Buffer.from(`${auth.header.username}:${auth.header.password}`).toString('base64')}`;
  }
  // a replaced agent is not destroyed (requests may still use it): its idle sockets close after IDLE_MS
  const agent = t.server.protocol === 'https:'
    ? new HttpsAgent({
        keepAlive: true,
        timeout: IDLE_MS,
        ...(t.tls.ca ? { ca: t.tls.ca } : {}),
        ...(clientCert ? { cert: clientCert.cert, key: clientCert.key } : {}),
        rejectUnauthorized: !t.tls.insecure,
        ...(t.tls.serverName ? { servername: t.tls.serverName } : {}),
      })
    : new HttpAgent({ keepAlive: true, timeout: IDLE_MS });
  return { authorization, clientCert, expiresAt, renewable, agent };
}

function urlFor(server: URL, req: KubeRequest): URL {
  // a server URL may carry a path (a proxy in front of several clusters): the API lives under it
  const url = new URL(server.href);
  url.pathname = `${server.pathname.replace(/\/+$/, '')}${req.path}`;
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(req.query ?? {})) if (value !== undefined) query.set(key, value);
  url.search = query.toString();
  return url;
}

interface Answer {
  readonly status: number;
  readonly body: Buffer;
}

function send(t: KubeTarget, url: URL, method: string, body: Buffer | undefined, contentType: string | undefined, creds: Credentials, timeoutMs: number): Promise<Answer> {
  const headers: Record<string, string | readonly string[]> = {
    accept: 'application/json',
    'user-agent': 'nodeward',
    ...t.headers,
    ...(creds.authorization ? { authorization: creds.authorization } : {}),
    ...(body ? { 'content-type': contentType ?? 'application/json', 'content-length': String(body.length) } : {}),
  };
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolvePromise, reject) => {
    const req = request(url, {
      method,
      headers: headers as Record<string, string | string[]>,
      agent: creds.agent, // carries the TLS settings, tls-server-name (SNI and the name checked) among them
    });
    const timer = setTimeout(() => req.destroy(new KubeApiError(`${method} ${url.pathname}: no answer from ${t.server.host} within ${timeoutMs / 1000} s`, undefined)), timeoutMs);
    const failed = (error: Error) => {
      clearTimeout(timer);
      reject(error instanceof KubeApiError ? error : new KubeApiError(`${method} ${url.pathname}: ${describeTransport(error)}`, undefined));
    };
    req.on('error', failed);
    req.on('response', (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_ANSWER_BYTES) req.destroy(new KubeApiError(`${method} ${url.pathname}: the answer is larger than ${MAX_ANSWER_BYTES >> 20} MiB`, res.statusCode));
        else chunks.push(chunk);
      });
      res.on('error', failed);
      res.on('end', () => {
        clearTimeout(timer);
        resolvePromise({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) });
      });
    });
    req.end(body);
  });
}

/** Node's network and TLS errors in one line, with the code where the message lacks it. */
function describeTransport(error: Error): string {
  const code = (error as NodeJS.ErrnoException).code;
  const first = error.message.split('\n')[0] ?? error.message;
  return code && !first.includes(code) ? `${first} (${code})` : first;
}
