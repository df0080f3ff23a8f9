import { NodewardError } from '../util/errors.ts';

/** The desired state cannot be planned on this node (conflicting entries, unparsable file, missing key). */
export class PlanError extends NodewardError {
  constructor(message: string, host?: string) {
    super('plan', message, { host, hop: 'node' });
  }
}
