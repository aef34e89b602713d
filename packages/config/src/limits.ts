/**
 * Bounds on what reading a configuration may cost, so that a hostile or mistaken file (a
 * 200 MB include without a newline, a sequence inside a sequence, a definition that doubles
 * at every level) ends in a positioned `CONF_ERR_LIMIT` error within a bounded time and
 * memory instead of exhausting the daemon. docs/config.md ("Limits") states them.
 */
export interface ReadLimits {
  /**
   * Characters on one line, before its newline; also every line that substitution makes.
   * A word or quoted string cannot be longer than its line, so this bounds them too.
   * keepalived reads lines with `fgets` into MAXBUF (1024) bytes and refuses longer ones
   * ("line too long"): 1,022 characters and the newline are the most it takes.
   */
  readonly lineLength: number;
  /** Bytes of one file, checked with `stat` before it is read. */
  readonly fileBytes: number;
  /** Bytes of the file and everything it includes, together. */
  readonly totalBytes: number;
  /** Files read, counting a file each time it is included (nested includes can fan out). */
  readonly fileReads: number;
  /** Lines that `~SEQ`, `~SEQx`, `~LST` and `$NAME` substitution make, together. */
  readonly generatedLines: number;
  /** Characters of the text that one substitution produces (a multi-line definition with all its lines). */
  readonly expansionLength: number;
}

/** The limits tandem applies. */
export const READ_LIMITS: ReadLimits = {
  lineLength: 1022,
  fileBytes: 16 * 1024 * 1024,
  totalBytes: 32 * 1024 * 1024,
  fileReads: 10_000,
  generatedLines: 500_000,
  expansionLength: 1024 * 1024,
};

/**
 * `10,000`: an integer with its thousands grouped, as en-US writes it. Not toLocaleString: its
 * first call loads ICU's locale data, half a second at a slow director's start.
 */
export function formatCount(n: number): string {
  const digits = String(Math.abs(Math.trunc(n)));
  let out = digits.slice(0, ((digits.length - 1) % 3) + 1);
  for (let i = out.length; i < digits.length; i += 3) out += `,${digits.slice(i, i + 3)}`;
  return n < 0 ? `-${out}` : out;
}

/** `16 MiB`, `1,022 bytes`: how the messages and docs write a limit. */
export function formatBytes(n: number): string {
  return n % (1024 * 1024) === 0 ? `${n / (1024 * 1024)} MiB` : `${formatCount(n)} bytes`;
}
