import { useEffect, useRef, useState } from 'preact/hooks';

export interface Store<T> {
  get(): T;
  set(next: T | ((prev: T) => T)): void;
  subscribe(listener: () => void): () => void;
}

/** A value with listeners; components read it through narrow selectors (useStore) so unrelated changes do not re-render them. */
export function createStore<T>(initial: T): Store<T> {
  let value = initial;
  const listeners = new Set<() => void>();
  return {
    get: () => value,
    set(next) {
      const v = typeof next === 'function' ? (next as (prev: T) => T)(value) : next;
      if (Object.is(v, value)) return;
      value = v;
      for (const l of [...listeners]) l();
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

export function useStore<T, S>(store: Store<T>, select: (state: T) => S): S {
  const [, force] = useState(0);
  const selected = select(store.get());
  const last = useRef(selected);
  last.current = selected;
  const selectRef = useRef(select);
  selectRef.current = select;
  useEffect(() => {
    const check = (): void => {
      if (!Object.is(selectRef.current(store.get()), last.current)) force((n) => n + 1);
    };
    check();
    return store.subscribe(check);
  }, [store]);
  return selected;
}
