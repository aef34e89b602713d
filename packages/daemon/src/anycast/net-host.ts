import { type NetworkChanger, Rtnl, TunDevice } from '@tandem/net';
import type { AnnounceHost, AnnounceInterface } from './announcer.js';

/**
 * The announcer's host on the real kernel: the interface is a TUN device (`@tandem/net`'s
 * TunDevice: deleted by the kernel when tandemd's supervisor dies), the routes go through
 * `changer` (the daemon's ledger records them, as every other route tandem adds).
 */
export function netAnnounceHost(record: (changer: NetworkChanger) => NetworkChanger): AnnounceHost & { close(): void } {
  const rtnl = new Rtnl();
  const changer = record(rtnl);
  return {
    async openInterface(name: string): Promise<AnnounceInterface> {
      const tun = TunDevice.create(name);
      try {
        const { index } = await rtnl.link(tun.name);
        await rtnl.setLinkUp(index);
        return { ifindex: index, close: () => tun.close() };
      } catch (err) {
        tun.close();
        throw err;
      }
    },
    addRoute: (spec) => changer.addRoute(spec),
    removeRoute: (spec) => changer.removeRoute(spec),
    close: () => rtnl.close(),
  };
}
