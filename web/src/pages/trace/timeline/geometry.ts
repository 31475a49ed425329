export const ROW_HEIGHT = 24;
export const OVERSCAN_ROWS = 8;
/** Indentation stops growing here so a 10k-deep chain keeps its names readable. */
export const MAX_INDENT_LEVELS = 14;
export const INDENT_PX = 11;

export function pct(us: number, totalUs: number): number {
  return totalUs > 0 ? (us / totalUs) * 100 : 0;
}
