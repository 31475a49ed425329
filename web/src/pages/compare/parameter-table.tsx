import type { JSX } from 'preact';
import type { ComparedParameterName, ParameterComparison } from '../../model/types.js';
import { traceColor, traceLetter } from './compare-colors.js';

const LABELS: Record<ComparedParameterName, string> = {
  model: 'model',
  version: 'model version',
  sampler: 'sampler',
  steps: 'steps',
  size: 'size',
  device: 'device',
  worker: 'worker instance',
  attempt: 'delivery attempt',
};

/** The request parameters side by side; a row whose values differ is highlighted, and so is each value unlike A's. */
export function ParameterTable({ parameters, traceCount }: { parameters: ParameterComparison[]; traceCount: number }): JSX.Element {
  const differing = parameters.filter((p) => p.differs).length;
  return (
    <table class="compare-table parameter-table">
      <caption>
        Parameters <span class="muted">{differing === 0 ? '— all the same' : `— ${differing} differ`}</span>
      </caption>
      <thead>
        <tr>
          <th scope="col">Parameter</th>
          {Array.from({ length: traceCount }, (_, i) => (
            <th key={i} scope="col">
              <span class="trace-chip" style={{ background: traceColor(i) }}>
                {traceLetter(i)}
              </span>
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {parameters.map((p) => (
          <tr key={p.name} class={p.differs ? 'differs' : ''} data-param={p.name}>
            <th scope="row" title={p.source}>
              {LABELS[p.name]}
            </th>
            {p.values.map((v, i) => (
              <td key={i} class={i > 0 && v !== p.values[0] ? 'unlike-baseline' : ''}>
                {v ?? <span class="muted">–</span>}
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
