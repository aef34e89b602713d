import type { Version } from './packet.js';

/**
 * Skew_Time in milliseconds. RFC 3768 §6.1: (256 - Priority) / 256 seconds.
 * RFC 5798 §6.1: ((256 - Priority) * Master_Adver_Interval) / 256.
 */
export function skewTimeMs(version: Version, priority: number, masterAdverIntervalCs: number): number {
  return version === 2 ? ((256 - priority) * 1000) / 256 : ((256 - priority) * masterAdverIntervalCs * 10) / 256;
}

/**
 * Master_Down_Interval in milliseconds: `downTimerAdverts` (the RFC's 3,
 * keepalived's `down_timer_adverts`) advert intervals plus Skew_Time.
 */
export function masterDownIntervalMs(
  version: Version,
  priority: number,
  masterAdverIntervalCs: number,
  downTimerAdverts = 3,
): number {
  return downTimerAdverts * masterAdverIntervalCs * 10 + skewTimeMs(version, priority, masterAdverIntervalCs);
}
