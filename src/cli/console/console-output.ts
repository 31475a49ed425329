/**
 * What the all-in-one prints (DIFFSCOPE_CONSOLE): `json` passes its services' JSON lines through
 * unchanged (for a pipe, a file, a log shipper), `pretty` renders each as one readable line, and
 * `auto` picks pretty when stdout is a terminal. NO_COLOR keeps the pretty lines, without colour.
 */
import { colorEnabled, isTerminal, paint } from '../terminal.js';
import { formatConsoleLine } from './log-line.js';

export type ConsoleMode = 'auto' | 'pretty' | 'json';

/** How each whole line is rendered for a person; undefined when the JSON lines go out unchanged. */
export function consoleRenderer(
  mode: ConsoleMode,
  out: NodeJS.WritableStream,
  env: NodeJS.ProcessEnv = process.env,
): ((line: string) => string) | undefined {
  const pretty = mode === 'pretty' || (mode === 'auto' && isTerminal(out));
  if (!pretty) return undefined;
  const colors = paint(colorEnabled(out, env));
  return (line) => formatConsoleLine(line, colors);
}

/** A logger destination that writes each line through `render` (pino writes whole lines). */
export function renderingDestination(out: NodeJS.WritableStream, render: (line: string) => string): { write(chunk: string): boolean } {
  return {
    write(chunk: string): boolean {
      for (const line of chunk.split('\n')) if (line !== '') out.write(render(line) + '\n');
      return true;
    },
  };
}
