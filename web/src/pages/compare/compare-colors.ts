/**
 * One colour and letter per compared trace (A is the baseline), the same in every section of the
 * page: table columns, step-time lines, waterfall headers. Mid-tone hues read on light and dark.
 */
const COLORS = ['#2563eb', '#d97706', '#059669', '#c026d3'] as const;

export function traceColor(index: number): string {
  return COLORS[index % COLORS.length];
}

export function traceLetter(index: number): string {
  return String.fromCharCode(65 + index);
}
