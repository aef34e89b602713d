import type * as Netlink from 'netlink';

let lib: typeof Netlink | undefined;

/**
 * The `netlink` package, loaded at its first use rather than with this package: its modules
 * take ~18 ms to load on a fast host and most of a second on a slow one, and a director that
 * only balances (no VRRP addresses, no tracked processes) never opens rtnetlink.
 */
export function netlinkLib(): typeof Netlink {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (lib ??= require('netlink') as typeof Netlink);
}
