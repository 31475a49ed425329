/**
 * Reads colour, shape, size and position back from a shapes-v1 scene's pixels, so the shipped
 * model's prompt-following can be measured without a person looking at the images.
 *
 * A port of tools/default-model/reader.py (the build-time reader used while training);
 * the constants and every step must stay identical so both report the same numbers.
 */

export const SCENE_COLOURS = ['red', 'green', 'blue', 'yellow', 'purple', 'orange', 'white'] as const;
export const SCENE_SHAPES = ['circle', 'square', 'triangle'] as const;
export const SCENE_SIZES = ['small', 'medium', 'large'] as const;
export const SCENE_POSITIONS = ['left', 'right', 'top', 'bottom', 'center'] as const;

export type SceneColour = (typeof SCENE_COLOURS)[number];
export type SceneShape = (typeof SCENE_SHAPES)[number];
export type SceneSize = (typeof SCENE_SIZES)[number];
export type ScenePosition = (typeof SCENE_POSITIONS)[number];

/** The colours the training data draws, as RGB. */
export const SCENE_PALETTE: Readonly<Record<SceneColour, readonly [number, number, number]>> = {
  red: [220, 40, 40],
  green: [40, 190, 60],
  blue: [50, 90, 235],
  yellow: [235, 220, 50],
  purple: [155, 60, 205],
  orange: [245, 140, 30],
  white: [240, 240, 240],
};

const MIN_DIST = 48;
const BOX_TRIM = 0.01;
const SQUARE_FILL = 0.86;
const TRIANGLE_FILL = 0.56;
const TRIANGLE_TAPER = 0.6;
const CENTER_TOLERANCE = 3 / 32;
const RADIUS_PER_SIDE: Record<SceneShape, number> = { circle: 2, square: 1.76, triangle: 1.9 };
const SMALL_MAX_RADIUS = 5.3;
const LARGE_MIN_RADIUS = 7.7;

export interface ScenePixels {
  width: number;
  height: number;
  /** Row-major, `channels` bytes per pixel (RGB or RGBA; alpha is ignored). */
  data: Uint8Array | Uint8ClampedArray;
  channels: 3 | 4;
}

export interface SceneReading {
  colour: SceneColour | null;
  shape: SceneShape | null;
  size: SceneSize | null;
  position: ScenePosition | null;
  /** Pixels in the shape's component; 0 when nothing stands out from the background. */
  areaPx: number;
  fill: number;
  meanRgb: [number, number, number];
}

/** Nearest-rank quantile over sorted values, the same index rule as reader.py. */
function quantile(sorted: Float64Array, q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * (sorted.length - 1) + 0.5))];
}

function sortedCopy(values: ArrayLike<number>): Float64Array {
  return Float64Array.from(values).sort();
}

/** Largest 4-connected component; ties go to the first found in row-major order. */
function largestComponent(mask: Uint8Array, width: number, height: number): Uint8Array {
  const labels = new Int32Array(width * height);
  let best = 0;
  let bestSize = 0;
  let label = 0;
  const stack: number[] = [];
  for (let start = 0; start < mask.length; start++) {
    if (!mask[start] || labels[start]) continue;
    label++;
    labels[start] = label;
    stack.push(start);
    let size = 0;
    while (stack.length > 0) {
      const i = stack.pop() as number;
      size++;
      const x = i % width;
      const y = (i - x) / width;
      const neighbours = [y > 0 ? i - width : -1, y < height - 1 ? i + width : -1, x > 0 ? i - 1 : -1, x < width - 1 ? i + 1 : -1];
      for (const n of neighbours) {
        if (n >= 0 && mask[n] && !labels[n]) {
          labels[n] = label;
          stack.push(n);
        }
      }
    }
    if (size > bestSize) {
      best = label;
      bestSize = size;
    }
  }
  const out = new Uint8Array(width * height);
  if (best) for (let i = 0; i < out.length; i++) out[i] = labels[i] === best ? 1 : 0;
  return out;
}

export function readScene(pixels: ScenePixels): SceneReading {
  const { width: w, height: h, data, channels } = pixels;
  if (data.length < w * h * channels) throw new RangeError(`pixel buffer holds ${data.length} bytes, need ${w * h * channels}`);
  const px = (i: number, c: number): number => data[i * channels + c];

  // Background: per-channel median of the 1-pixel border ring.
  const ring: number[] = [];
  for (let x = 0; x < w; x++) ring.push(x, (h - 1) * w + x);
  for (let y = 1; y < h - 1; y++) ring.push(y * w, y * w + w - 1);
  // Same order as reader.py's concatenation does not matter for a median.
  const bg = [0, 1, 2].map((c) => quantile(sortedCopy(ring.map((i) => px(i, c))), 0.5));

  const dist = new Float64Array(w * h);
  for (let i = 0; i < w * h; i++) {
    const dr = px(i, 0) - bg[0];
    const dg = px(i, 1) - bg[1];
    const db = px(i, 2) - bg[2];
    dist[i] = Math.sqrt(dr * dr + dg * dg + db * db);
  }
  const threshold = Math.max(MIN_DIST, 0.5 * quantile(sortedCopy(dist), 0.99));
  const mask = new Uint8Array(w * h);
  for (let i = 0; i < mask.length; i++) mask[i] = dist[i] > threshold ? 1 : 0;
  const comp = largestComponent(mask, w, h);

  const members: number[] = [];
  for (let i = 0; i < comp.length; i++) if (comp[i]) members.push(i);
  const area = members.length;
  if (area === 0) {
    return { colour: null, shape: null, size: null, position: null, areaPx: 0, fill: 0, meanRgb: [0, 0, 0] };
  }

  // Colour: mean over the component's inner half (by distance from the background).
  const medianDist = quantile(sortedCopy(members.map((i) => dist[i])), 0.5);
  const sum = [0, 0, 0];
  let coreCount = 0;
  for (const i of members) {
    if (dist[i] < medianDist) continue;
    coreCount++;
    for (let c = 0; c < 3; c++) sum[c] += px(i, c);
  }
  const meanRgb: [number, number, number] = [sum[0] / coreCount, sum[1] / coreCount, sum[2] / coreCount];
  let colour: SceneColour = SCENE_COLOURS[0];
  let bestD = Infinity;
  for (const name of SCENE_COLOURS) {
    const p = SCENE_PALETTE[name];
    const d = (meanRgb[0] - p[0]) ** 2 + (meanRgb[1] - p[1]) ** 2 + (meanRgb[2] - p[2]) ** 2;
    if (d < bestD) {
      bestD = d;
      colour = name;
    }
  }

  // Bounding box from the 1st..99th percentile of the blob's coordinates: a stray row or
  // column of noise stuck to the shape must not stretch the box (undertrained samples).
  const xs = sortedCopy(members.map((i) => i % w));
  const ys = sortedCopy(members.map((i) => Math.floor(i / w)));
  const x0 = quantile(xs, BOX_TRIM);
  const x1 = quantile(xs, 1 - BOX_TRIM);
  const y0 = quantile(ys, BOX_TRIM);
  const y1 = quantile(ys, 1 - BOX_TRIM);
  const bw = x1 - x0 + 1;
  const bh = y1 - y0 + 1;
  let inBox = 0;
  for (const i of members) {
    const x = i % w;
    const y = Math.floor(i / w);
    if (x >= x0 && x <= x1 && y >= y0 && y <= y1) inBox++;
  }
  const fill = inBox / (bw * bh);
  const at = (x: number, y: number): number => comp[y * w + x];
  const half = Math.floor(bh / 2);
  let topFill = 0;
  let bottomFill = 0;
  for (let y = 0; y < half; y++) {
    for (let x = x0; x <= x1; x++) {
      topFill += at(x, y0 + y);
      bottomFill += at(x, y1 - y);
    }
  }
  const taper = topFill / Math.max(1, bottomFill);
  const corners = at(x0, y0) + at(x1, y0) + at(x0, y1) + at(x1, y1);
  let shape: SceneShape;
  if (taper < TRIANGLE_TAPER || fill < TRIANGLE_FILL) shape = 'triangle';
  else if (fill > SQUARE_FILL || corners >= 3) shape = 'square';
  else shape = 'circle';

  const radius = Math.max(bw, bh) / RADIUS_PER_SIDE[shape];
  const size: SceneSize = radius < SMALL_MAX_RADIUS ? 'small' : radius > LARGE_MIN_RADIUS ? 'large' : 'medium';

  // Bounding-box centre rather than centroid: a triangle's centroid sits low in its box.
  const dx = (x0 + x1 + 1) / 2 - w / 2;
  const dy = (y0 + y1 + 1) / 2 - h / 2;
  let position: ScenePosition;
  if (Math.max(Math.abs(dx), Math.abs(dy)) < CENTER_TOLERANCE * w) position = 'center';
  else if (Math.abs(dx) >= Math.abs(dy)) position = dx < 0 ? 'left' : 'right';
  else position = dy < 0 ? 'top' : 'bottom';

  return { colour, shape, size, position, areaPx: area, fill, meanRgb };
}
