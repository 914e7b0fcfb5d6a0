/** The CLI's exit codes, and the error that means the command line itself was wrong. */

export const EXIT = {
  ok: 0,
  /** The warehouse refused or failed a statement. */
  sql: 1,
  /** The warehouse could not be reached, did not answer in time, or refused the credentials. */
  connection: 2,
  /** The command line or the configuration was wrong. */
  usage: 3,
  /** Interrupted (Ctrl-C): the statement was cancelled and partial output removed. */
  interrupted: 130,
} as const;

export class UsageError extends Error {}
