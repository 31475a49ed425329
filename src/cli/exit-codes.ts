/**
 * What `diffscope` exits with. 78 is sysexits' EX_CONFIG: the systemd units (deploy/) and the
 * all-in-one's supervisor do not restart a service that exits with it, because a restart cannot
 * fix a bad setting. 130 is the shell's convention for "stopped by Ctrl-C" (128 + SIGINT).
 */
export const EXIT = {
  OK: 0,
  /** The generation failed or was canceled, or a server answered an error. */
  FAILED: 1,
  /** The command line is wrong (unknown command or option, missing value or argument). */
  USAGE: 2,
  CONFIG: 78,
  INTERRUPTED: 130,
} as const;
