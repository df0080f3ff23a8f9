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

function statusBody(body: unknown): StatusBody | undefined {
  if (typeof body === 'string') {
    try {
      return statusBody(JSON.parse(body));
    } catch {
      return { message: body };
    }
  }
  return typeof body === 'object' && body !== null ? (body as StatusBody) : undefined;
}

/** The HTTP status and the API server's own words (the Status message and its causes). */
export function describeApiError(error: unknown): { readonly status: number | undefined; readonly message: string } {
  if (isApiException(error)) {
    const body = statusBody(error.body);
    const causes = (body?.details?.causes ?? []).map((c) => c.message).filter((m): m is string => typeof m === 'string');
    const message = typeof body?.message === 'string' ? body.message : `HTTP ${error.code}`;
    return { status: error.code, message: [message, ...causes].join(': ') };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { status: undefined, message: message.split('\n')[0] ?? message };
}

/** client-node's ApiException, recognised by shape so that this module does not load client-node. */
function isApiException(error: unknown): error is Error & { readonly code: number; readonly body: unknown; readonly headers: unknown } {
  return error instanceof Error && typeof (error as { code?: unknown }).code === 'number' && 'body' in error && 'headers' in error;
}
