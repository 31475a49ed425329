import type { JSX } from 'preact';

/** A select's options: first "any" (value ''), then one per name (a service, an operation). */
export function NameOptions({ any, names }: { any: string; names: readonly string[] }): JSX.Element {
  return (
    <>
      <option value="">{any}</option>
      {names.map((name) => (
        <option key={name} value={name}>
          {name}
        </option>
      ))}
    </>
  );
}
