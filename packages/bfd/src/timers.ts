/** One second in microseconds: the floor of bfd.DesiredMinTxInterval while a session is not Up (RFC 5880 §6.8.3). */
export const SLOW_TX_US = 1_000_000;

/**
 * The negotiated transmit interval (RFC 5880 §6.8.2): the larger of the local
 * bfd.DesiredMinTxInterval and the remote's Required Min RX Interval; 0 when the
 * remote asks for no packets at all (Required Min RX 0, §6.8.7).
 */
export function transmitIntervalUs(desiredMinTxUs: number, remoteMinRxUs: number): number {
  return remoteMinRxUs === 0 ? 0 : Math.max(desiredMinTxUs, remoteMinRxUs);
}

/**
 * The Detection Time in Asynchronous mode (RFC 5880 §6.8.4): the remote's Detect
 * Mult times the larger of the local bfd.RequiredMinRxInterval and the remote's
 * last Desired Min TX Interval.
 */
export function detectionTimeUs(requiredMinRxUs: number, remoteDesiredMinTxUs: number, remoteDetectMult: number): number {
  return remoteDetectMult * Math.max(requiredMinRxUs, remoteDesiredMinTxUs);
}

/**
 * The time to the next periodic packet, jittered as RFC 5880 §6.8.7 demands: the
 * interval reduced by a random 0-25 %, or, with bfd.DetectMult 1, between 75 %
 * and 90 % of it. `random` is uniform in [0, 1).
 */
export function jitteredIntervalUs(intervalUs: number, detectMult: number, random: number): number {
  return detectMult === 1 ? intervalUs * (0.75 + 0.15 * random) : intervalUs * (1 - 0.25 * random);
}

/** One step of xorshift32: the state machine's own random numbers, so that `step` stays pure. */
export function nextRandom(seed: number): { readonly seed: number; readonly value: number } {
  let x = seed >>> 0 || 0x9e3779b9;
  x ^= x << 13;
  x >>>= 0;
  x ^= x >>> 17;
  x ^= x << 5;
  x >>>= 0;
  return { seed: x, value: x / 0x1_0000_0000 };
}
