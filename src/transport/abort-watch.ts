/**
 * One real 'abort' listener per signal, fanned out to any number of watchers. A run passes
 * one signal to hundreds of concurrent connects and execs; registering each of them on the
 * signal itself would trip Node's MaxListeners warning on the caller's signal.
 */
const watchers = new WeakMap<AbortSignal, Set<() => void>>();

/** Call `listener` once when `signal` aborts. Returns the function that stops watching. */
export function watchAbort(signal: AbortSignal | undefined, listener: () => void): () => void {
  if (signal === undefined) return () => undefined;
  let set = watchers.get(signal);
  if (set === undefined) {
    const created = new Set<() => void>();
    set = created;
    watchers.set(signal, created);
    signal.addEventListener(
      'abort',
      () => {
        watchers.delete(signal);
        for (const watcher of [...created]) watcher();
      },
      { once: true },
    );
  }
  const entry = (): void => listener();
  set.add(entry);
  const current = set;
  return () => {
    current.delete(entry);
  };
}
