// The address syntax `node:net`'s isIPv4 / isIPv6 / isIP accept, without loading `node:net`:
// that module (and the streams under it) costs `tandemd -t` about 2 ms of its start, and a
// check reads addresses, it opens no socket. test/ip-syntax.test.ts holds them equal.

const DOT = 46;
const COLON = 58;

const isHexDigit = (c: number): boolean => (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);

/**
 * A dotted quad: four decimal parts 0-255, none with a leading zero. A regular expression, not
 * a loop over the characters: a file's addresses are read once, in code V8 has not optimised
 * yet, where the expression's compiled matcher is four times faster (measured: 2 against 8 ms
 * for 11,000 addresses).
 */
const DOTTED_QUAD = /^(?:(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\.){3}(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])$/;

/** A zone id after `%`: letters, digits, `-`, `.`, `:`, at least one. */
const ZONE = /^[0-9a-zA-Z.:-]+$/;

export function isIPv4(s: string): boolean {
  return DOTTED_QUAD.test(s);
}

export function isIPv6(s: string): boolean {
  let end = s.length;
  const zone = s.indexOf('%');
  if (zone >= 0) {
    if (!ZONE.test(s.slice(zone + 1))) return false;
    end = zone;
  }
  // Groups of 1-4 hex digits between colons, one `::` at most standing for one group or more,
  // and a dotted quad in place of the last two.
  let groups = 0;
  let compressed = false;
  let i = 0;
  if (end >= 2 && s.charCodeAt(0) === COLON && s.charCodeAt(1) === COLON) {
    compressed = true;
    i = 2;
    if (i === end) return true;
  }
  for (;;) {
    const start = i;
    while (i < end && isHexDigit(s.charCodeAt(i))) i++;
    if (i < end && s.charCodeAt(i) === DOT) {
      if (!DOTTED_QUAD.test(s.slice(start, end))) return false;
      groups += 2;
      break;
    }
    const len = i - start;
    if (len === 0 || len > 4) return false;
    groups++;
    if (i === end) break;
    if (s.charCodeAt(i) !== COLON) return false;
    i++;
    if (i < end && s.charCodeAt(i) === COLON) {
      if (compressed) return false;
      compressed = true;
      i++;
      if (i === end) break;
    } else if (i === end) return false;
  }
  return compressed ? groups <= 7 : groups === 8;
}

/** 4, 6, or 0 when `s` is neither. */
export function isIP(s: string): 0 | 4 | 6 {
  return isIPv4(s) ? 4 : isIPv6(s) ? 6 : 0;
}
