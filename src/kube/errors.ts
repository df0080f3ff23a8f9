import { NodewardError } from '../util/errors.ts';

/** The object changed between our read and our write: read again and retry. */
export class KubeConflictError extends NodewardError {
  constructor(message: string) {
    super('kube-conflict', message);
  }
}

export class KubeApiError extends NodewardError {
  readonly status: number | undefined;
  constructor(message: string, status: number | undefined) {
    super('kube-api', message);
    this.status = status;
  }
}

interface StatusBody {
  readonly message?: unknown;
  readonly details?: { readonly causes?: readonly { readonly message?: unknown }[] };
}

/** The error for a non-2xx answer: its status, and the Status message with its causes (`Cannot evict pod …: PDB web`). */
export function apiStatusError(status: number, body: string): KubeApiError {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    // not a Status: a proxy's or load balancer's page; its first line says enough
    const first = body.split('\n').find((line) => line.trim() !== '')?.trim().slice(0, 120);
    return new KubeApiError(first ? `HTTP ${status}: ${first}` : `HTTP ${status}`, status);
  }
  const status_ = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as StatusBody;
  const causes = (status_.details?.causes ?? []).map((c) => c.message).filter((m): m is string => typeof m === 'string' && m !== '');
  const message = typeof status_.message === 'string' && status_.message !== '' ? status_.message.split('\n')[0] ?? '' : `HTTP ${status}`;
  return new KubeApiError([message, ...causes].join(': '), status);
}

/** The HTTP status (when the API server answered) and the error's words, on one line. */
export function describeApiError(error: unknown): { readonly status: number | undefined; readonly message: string } {
  const message = error instanceof Error ? error.message : String(error);
  const status = error instanceof KubeApiError ? error.status : undefined;
  return { status, message: message.split('\n')[0] ?? message };
}
