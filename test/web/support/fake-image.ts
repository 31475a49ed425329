import { PNG } from 'pngjs';

/** A 32×32 gradient PNG standing in for a generated image (the tiny default model's output size). */
export function fakeImage(): Buffer {
  const png = new PNG({ width: 32, height: 32 });
  for (let y = 0; y < 32; y++)
    for (let x = 0; x < 32; x++) {
      const i = (y * 32 + x) * 4;
      png.data[i] = x * 8;
      png.data[i + 1] = y * 8;
      png.data[i + 2] = 160 + ((x ^ y) & 7) * 12;
      png.data[i + 3] = 255;
    }
  return PNG.sync.write(png);
}
