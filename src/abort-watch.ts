/**
 * One 'abort' listener per signal, however many calls wait on it. A request-wide signal shared
 * by parallel queries is normal use, yet past ten listeners on one signal Node prints a
 * "possible memory leak" warning; and the listener is removed once no call waits, so the
 * caller's signal is left as it was found.
 */

interface Watcher {
  callbacks: Set<() => void>;
  listener: () => void;
}

const watchers = new WeakMap<AbortSignal, Watcher>();

/** Runs `callback` when `signal` aborts, until the returned function is called. */
export function watchAbort(signal: AbortSignal, callback: () => void): () => void {
  const watcher = watchers.get(signal) ?? startWatching(signal);
  watcher.callbacks.add(callback);
  return () => {
    watcher.callbacks.delete(callback);
    if (watcher.callbacks.size === 0 && watchers.get(signal) === watcher) {
      watchers.delete(signal);
      signal.removeEventListener('abort', watcher.listener);
    }
  };
}

function startWatching(signal: AbortSignal): Watcher {
  const callbacks = new Set<() => void>();
  const listener = () => {
    watchers.delete(signal);
    for (const f of callbacks) f();
  };
  const watcher = { callbacks, listener };
  watchers.set(signal, watcher);
  signal.addEventListener('abort', listener, { once: true });
  return watcher;
}
