import type { JSX } from 'preact';
import { compareHref, navigate } from '../../router/router.js';

/** "Compare with…" on a trace page: this trace becomes the baseline A, the one typed becomes B. */
export function CompareWithForm({ traceID }: { traceID: string }): JSX.Element {
  return (
    <form
      class="compare-with"
      aria-label="compare with another trace"
      onSubmit={(e) => {
        e.preventDefault();
        const input = e.currentTarget.elements.namedItem('other') as HTMLInputElement | null;
        const other = input?.value.trim();
        if (other && other !== traceID) navigate(compareHref([traceID, other]));
      }}
    >
      <input name="other" placeholder="Compare with… (trace id)" aria-label="trace id to compare with" spellcheck={false} />
      <button type="submit">Compare</button>
    </form>
  );
}
