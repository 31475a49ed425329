import { readFileSync } from 'node:fs';

let cached: string | undefined;

/** The package version, the `version` log field and `service.version`. */
export function packageVersion(): string {
  cached ??= (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  return cached;
}
