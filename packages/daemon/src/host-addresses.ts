import { Rtnl } from '@tandem/net';
import type { HostAddresses } from './ha-suspend.js';

/** The host's addresses through rtnetlink: a listing, and RTM_NEWADDR / RTM_DELADDR as they come. */
export function rtnlAddresses(): HostAddresses {
  return {
    list: async () => {
      const rtnl = new Rtnl();
      try {
        return (await rtnl.allAddresses()).map((a) => ({ address: a.address, ifindex: a.ifindex }));
      } finally {
        rtnl.close();
      }
    },
    watch: (onChange) => {
      const rtnl = new Rtnl();
      rtnl.watchAddresses(onChange);
      return { close: () => rtnl.close() };
    },
  };
}
