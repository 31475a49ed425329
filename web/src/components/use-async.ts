import { useEffect, useState } from 'preact/hooks';

export type AsyncState<T> = { status: 'idle' } | { status: 'loading' } | { status: 'done'; value: T } | { status: 'error'; error: string };

/** Runs `load` whenever `key` changes, aborting the previous run; `key` undefined means do nothing. */
export function useAsync<T>(key: string | undefined, load: (signal: AbortSignal) => Promise<T>): AsyncState<T> {
  const [state, setState] = useState<AsyncState<T>>({ status: 'idle' });
  useEffect(() => {
    if (key === undefined) {
      setState({ status: 'idle' });
      return undefined;
    }
    const ctrl = new AbortController();
    setState({ status: 'loading' });
    load(ctrl.signal).then(
      (value) => {
        if (!ctrl.signal.aborted) setState({ status: 'done', value });
      },
      (err: unknown) => {
        if (!ctrl.signal.aborted) setState({ status: 'error', error: err instanceof Error ? err.message : String(err) });
      },
    );
    return () => ctrl.abort();
    // load is re-created each render; key carries everything it depends on
  }, [key]);
  return state;
}
