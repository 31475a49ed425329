import { useEffect, useState } from 'preact/hooks';

export interface FormDraft<P> {
  draft: P;
  setDraft: (next: P | ((prev: P) => P)) => void;
  /** Changes one field of the draft. */
  set: <K extends keyof P>(key: K, value: P[K]) => void;
  /** The form's onSubmit: hands the draft on instead of loading a page. */
  submit: (e: Event) => void;
}

/**
 * The editable copy of a search form's parameters (the logs filters, the trace search): it
 * starts as `initial` (read from the URL) and follows it when the URL changes; nothing is
 * searched until the form is submitted.
 */
export function useFormDraft<P extends object>(initial: P, onSubmit: (params: P) => void): FormDraft<P> {
  const [draft, setDraft] = useState(initial);
  useEffect(() => setDraft(initial), [initial]);
  return {
    draft,
    setDraft,
    set: (key, value) => setDraft((prev) => ({ ...prev, [key]: value })),
    submit: (e) => {
      e.preventDefault();
      onSubmit(draft);
    },
  };
}
