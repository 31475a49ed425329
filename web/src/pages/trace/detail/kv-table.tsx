import type { JSX } from 'preact';
import { formatTagValue } from '../../../model/tags.js';

export function KvTable({ rows, empty = 'none' }: { rows: [string, unknown][]; empty?: string }): JSX.Element {
  if (rows.length === 0) return <p class="muted small">{empty}</p>;
  return (
    <table class="kv">
      <tbody>
        {rows.map(([k, v], i) => (
          <tr key={`${k}-${i}`}>
            <th scope="row">{k}</th>
            <td>{formatTagValue(v)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
