/**
 * Colour and cursor control for the client commands and the all-in-one's console. Colour only on
 * a terminal and never with NO_COLOR (https://no-color.org: any non-empty value) or TERM=dumb;
 * FORCE_COLOR turns it on for a pipe. Plain SGR codes: eight colours need no library.
 */
export interface Paint {
  readonly enabled: boolean;
  bold(s: string): string;
  dim(s: string): string;
  red(s: string): string;
  green(s: string): string;
  yellow(s: string): string;
  blue(s: string): string;
  magenta(s: string): string;
  cyan(s: string): string;
  gray(s: string): string;
}

export type ColorName = 'red' | 'green' | 'yellow' | 'blue' | 'magenta' | 'cyan' | 'gray';

const CODES: Record<keyof Omit<Paint, 'enabled'>, [number, number]> = {
  bold: [1, 22],
  dim: [2, 22],
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  blue: [34, 39],
  magenta: [35, 39],
  cyan: [36, 39],
  gray: [90, 39],
};

export function isTerminal(stream: NodeJS.WritableStream): boolean {
  // A pipe or file stream has no isTTY at all; only a tty.WriteStream sets it to true.
  return 'isTTY' in stream && stream.isTTY === true;
}

/** Whether `stream` gets colours, from the environment and whether it is a terminal. */
export function colorEnabled(stream: NodeJS.WritableStream, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR) return false;
  if (env.FORCE_COLOR && env.FORCE_COLOR !== '0') return true;
  if (env.TERM === 'dumb') return false;
  return isTerminal(stream);
}

export function paint(enabled: boolean): Paint {
  const make =
    ([open, close]: [number, number]) =>
    (s: string) =>
      enabled ? `\x1b[${open}m${s}\x1b[${close}m` : s;
  return {
    enabled,
    bold: make(CODES.bold),
    dim: make(CODES.dim),
    red: make(CODES.red),
    green: make(CODES.green),
    yellow: make(CODES.yellow),
    blue: make(CODES.blue),
    magenta: make(CODES.magenta),
    cyan: make(CODES.cyan),
    gray: make(CODES.gray),
  };
}

/** Carriage return + erase line: redraws a one-line progress display in place. */
export const CLEAR_LINE = '\r\x1b[2K';
