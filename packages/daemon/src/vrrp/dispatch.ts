/** What receive dispatch needs to know of an instance on a channel. */
export interface DispatchCandidate {
  readonly vrid: number;
  readonly unicastPeers: readonly string[];
}

/**
 * The instance an advert with `vrid` from `src` is for, among the instances of one channel.
 * Instances may share a VRID when their unicast peer sets differ: the one that lists the
 * sender wins. As in keepalived without check_unicast_src, an advert from an unlisted source
 * still reaches the instance with that VRID (its receive checks decide).
 */
export function pickInstance<T extends DispatchCandidate>(candidates: readonly T[], vrid: number, src: string): T | undefined {
  let fallback: T | undefined;
  for (const c of candidates) {
    if (c.vrid !== vrid) continue;
    if (c.unicastPeers.length === 0 || c.unicastPeers.includes(src)) return c;
    fallback ??= c;
  }
  return fallback;
}
