/**
 * `diffscope trace A --compare B`: the explorer's comparison (GET /api/compare, computed in
 * src/explorer/api/compare.ts) as a table: per stage each request's time and the change against
 * the first, the stage that grew most, and the parameters that differ.
 */
import type { TraceComparison } from '../../contract/index.js';
import { formatMs } from '../client/format.js';
import type { Paint } from '../terminal.js';

function ms(value: number | null): string {
  return value === null ? '—' : formatMs(value);
}

function delta(value: number | null, p: Paint): string {
  if (value === null) return '';
  const text = `${value >= 0 ? '+' : '−'}${formatMs(Math.abs(value))}`;
  return value > 0 ? p.red(text) : value < 0 ? p.green(text) : p.dim(text);
}

export function renderComparison(comparison: TraceComparison, p: Paint): string {
  const { traces } = comparison;
  const col = 14;
  const lines: string[] = [];
  traces.forEach((t, i) => {
    lines.push(
      `${i === 0 ? 'baseline' : `#${i}      `} ${t.trace_id} · ${t.root_operation} · ${formatMs(t.duration_ms)} · cache ${t.cache}` +
        (t.steps_per_second !== null ? ` · ${t.steps_per_second.toFixed(1)} it/s` : ''),
    );
  });
  lines.push(
    '',
    p.dim(
      `${'stage'.padEnd(22)}${traces.map((_, i) => (i === 0 ? 'baseline' : `#${i}`).padStart(col)).join('')}${traces
        .slice(1)
        .map((_, i) => `Δ #${i + 1}`.padStart(col))
        .join('')}`,
    ),
  );
  for (const stage of comparison.stages) {
    if (stage.durations_ms.every((d) => d === null)) continue;
    const grew = comparison.grew_most?.stage === stage.stage;
    const name = (grew ? '▲ ' : '  ') + stage.stage;
    const deltas = stage.deltas_ms.slice(1).map((d) => {
      const text = delta(d, p);
      // padStart counts the colour codes: pad the plain text, then colour it.
      return ' '.repeat(Math.max(0, col - (d === null ? 0 : `${d >= 0 ? '+' : '−'}${formatMs(Math.abs(d))}`.length))) + text;
    });
    lines.push(
      `${grew ? p.bold(name.padEnd(22)) : name.padEnd(22)}${stage.durations_ms.map((d) => ms(d).padStart(col)).join('')}${deltas.join('')}`,
    );
  }
  if (comparison.grew_most) {
    const g = comparison.grew_most;
    lines.push('', `▲ grew most: ${g.stage} in #${g.trace_index} (+${formatMs(g.delta_ms)})`);
  }
  const differing = comparison.parameters.filter((param) => param.differs);
  if (differing.length > 0) {
    lines.push('', p.dim('parameters that differ:'));
    for (const param of differing) lines.push(`  ${param.name.padEnd(10)} ${param.values.map((v) => v ?? '—').join('  vs  ')}`);
  }
  return lines.join('\n');
}
