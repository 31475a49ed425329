// Service colours: a fixed palette picked by a stable hash, readable on light and dark backgrounds.
const PALETTE = ['#3b82f6', '#10b981', '#f59e0b', '#8b5cf6', '#ec4899', '#06b6d4', '#84cc16', '#f97316', '#6366f1', '#14b8a6'];
const cache = new Map<string, string>();

export function serviceColor(name: string): string {
  let c = cache.get(name);
  if (c) return c;
  let h = 2166136261;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 16777619);
  c = PALETTE[(h >>> 0) % PALETTE.length];
  cache.set(name, c);
  return c;
}
