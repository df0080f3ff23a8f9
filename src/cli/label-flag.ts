import { labelKeyProblem } from '../config/label-selector.ts';
import { UsageError } from '../util/errors.ts';

/** `--waves-by`, `--batch-by`: a label key, checked before anything is contacted. */
export function labelFlag(value: string, flag: string): string {
  const problem = labelKeyProblem(value.trim());
  if (problem) throw new UsageError(`${flag}: ${problem}`);
  return value.trim();
}
