/**
 * IEEE 754 half precision ↔ float32 at the tensor boundary. fp16 exports (the usual form of
 * Stable Diffusion for GPUs) take and return float16 tensors; ONNX Runtime for Node holds their
 * bits in a Uint16Array (Node 20 has no Float16Array). The samplers keep working in float32:
 * we convert at the feed and fetch, nowhere else.
 *
 * float32 → float16 rounds to nearest even (what numpy's astype(float16) does), including
 * subnormals, overflow to ±Infinity and NaN; float16 → float32 is exact (a 64 K table).
 */
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

export function toHalfBits(value: number): number {
  f32[0] = value;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  const mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0); // Inf / NaN (quiet)
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00; // overflow → Inf
  if (e <= 0) {
    if (e < -10) return sign; // underflows to ±0
    // Subnormal half: shift the mantissa (with its implicit 1) right, round to nearest even.
    const m = mant | 0x800000;
    const shift = 14 - e;
    let half = m >>> shift;
    const rem = m & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    if (rem > mid || (rem === mid && half & 1)) half++;
    return sign | half;
  }
  let half = sign | (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  // Rounding may carry into the exponent (and up to Inf): that is the correct result.
  if (rem > 0x1000 || (rem === 0x1000 && half & 1)) half++;
  return half;
}

let table: Float32Array | undefined;

function halfTable(): Float32Array {
  if (table) return table;
  table = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >>> 10) & 0x1f;
    const mant = h & 0x3ff;
    if (exp === 0) table[h] = sign * mant * 2 ** -24;
    else if (exp === 0x1f) table[h] = mant ? NaN : sign * Infinity;
    else table[h] = sign * (1 + mant / 1024) * 2 ** (exp - 15);
  }
  return table;
}

export function fromHalfBits(bits: number): number {
  return halfTable()[bits & 0xffff];
}

/** `out[i] = half(src[i])` for i < src.length (out may be longer). */
export function float32ToHalf(src: Float32Array, out: Uint16Array = new Uint16Array(src.length)): Uint16Array {
  for (let i = 0; i < src.length; i++) out[i] = toHalfBits(src[i]);
  return out;
}

export function halfToFloat32(src: Uint16Array, out: Float32Array = new Float32Array(src.length)): Float32Array {
  const t = halfTable();
  for (let i = 0; i < src.length; i++) out[i] = t[src[i]]!;
  return out;
}
