/**
 * The OpenTelemetry JS packages installed (package-lock.json) are one copy each, on one release line.
 * sdk-node pins its SDK packages to exact versions; when those differ from ours by a patch, npm keeps a
 * second copy of core, resources, sdk-trace, the exporters… under sdk-node, and the SDK that runs is
 * not the one package.json names. The `overrides` in package.json prevent that; this test fails when a
 * bump of one package leaves the overrides behind (see docs/telemetry.md, "OpenTelemetry JS versions").
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

interface LockEntry {
  version?: string;
}

const root = path.resolve(import.meta.dirname, '../..');
const lock = JSON.parse(readFileSync(path.join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };

/** Versioned on their own, outside the SDK's stable (2.x) / experimental (0.2xx) lockstep. */
const OWN_VERSIONING = new Set(['api', 'semantic-conventions', 'id-generator-aws-xray', 'propagator-aws-xray']);

const installed = Object.entries(lock.packages).flatMap(([where, entry]) => {
  const match = /(?:^|\/)node_modules\/@opentelemetry\/([^/]+)$/.exec(where);
  return match === null || entry.version === undefined ? [] : [{ where, name: match[1], version: entry.version }];
});

describe('OpenTelemetry JS packages', () => {
  it('are installed once each', () => {
    const copies = new Map<string, string[]>();
    for (const { name, where, version } of installed) copies.set(name, [...(copies.get(name) ?? []), `${where}@${version}`]);
    const duplicated = [...copies.values()].filter((places) => places.length > 1);
    expect(installed.length).toBeGreaterThan(10);
    expect(duplicated).toEqual([]);
  });

  it('share one stable and one experimental release line', () => {
    const lockstep = installed.filter(({ name }) => !OWN_VERSIONING.has(name));
    const line = (version: string): string => {
      const [major, minor] = version.split('.');
      return major === '0' ? `0.${minor}` : `${major}.${minor}`;
    };
    const stable = new Set(lockstep.filter(({ version }) => !version.startsWith('0.')).map(({ version }) => line(version)));
    const experimental = new Set(lockstep.filter(({ version }) => version.startsWith('0.')).map(({ version }) => line(version)));
    expect([...stable]).toHaveLength(1);
    expect([...experimental]).toHaveLength(1);
  });
});
