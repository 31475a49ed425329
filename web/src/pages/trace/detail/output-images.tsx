import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { imageUrl } from '../../../api/client.js';

/** The generated images, when the explorer can read them; tiny (32×32) outputs are upscaled without smoothing. */
export function OutputImages({ traceID, count }: { traceID: string; count: number }): JSX.Element | null {
  const [failed, setFailed] = useState<ReadonlySet<number>>(new Set());
  if (count <= 0) return null;
  const ks = Array.from({ length: Math.min(count, 8) }, (_, k) => k).filter((k) => !failed.has(k));
  if (ks.length === 0) return null;
  return (
    <div class="output-images">
      {ks.map((k) => (
        <a key={k} href={imageUrl(traceID, k)} target="_blank" rel="noreferrer" title={`output image ${k + 1}`}>
          <img
            src={imageUrl(traceID, k)}
            alt={`generated image ${k + 1}`}
            class="pixelated"
            onError={() => setFailed((f) => new Set(f).add(k))}
          />
        </a>
      ))}
    </div>
  );
}
