#!/usr/bin/env node
// Runs every bench/<area>/*.bench.ts of one area in turn, each in its own process (tsx), so
// one scenario's heap and JIT state never colour the next. Usage: node bench/run.mjs <area> [filter]
import { readdirSync, existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const [area, filter] = process.argv.slice(2);
const benchRoot = path.dirname(fileURLToPath(import.meta.url));
if (!area || area === '--help' || area === '-h') {
  const areas = readdirSync(benchRoot, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name);
  console.log(`usage: node bench/run.mjs <area> [filter]\nareas: ${areas.join(', ')}`);
  process.exit(area ? 0 : 2);
}
const dir = path.join(benchRoot, area);
if (!existsSync(dir)) {
  console.error(`no benchmarks for "${area}" (looked in ${dir})`);
  process.exit(2);
}
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts') && (!filter || f.includes(filter)))
  .sort();
const tsx = fileURLToPath(new URL('../node_modules/.bin/tsx', import.meta.url));
let failed = 0;
for (const file of files) {
  console.log(`\n=== ${area}/${file} ===`);
  const result = spawnSync(tsx, [path.join(dir, file)], { stdio: 'inherit' });
  if (result.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
