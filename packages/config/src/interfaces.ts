import type { Diagnostics } from './diagnostics.js';
import type { InterfaceDelays } from './model.js';
import { blockOf } from './section.js';
import type { Node } from './tree.js';
import { secondsValue } from './values.js';

/**
 * `interface_up_down_delays { IF DOWN [UP] }` (keepalived's top-level block): a link change of
 * IF reaches the instances only after it has lasted DOWN (or UP) seconds, 0-255; UP is 0 when
 * left out (keepalived 2.2.7's code; its man page says it is DOWN's).
 */
export function parseInterfaceDelays(n: Node, into: Record<string, InterfaceDelays>, diags: Diagnostics): void {
  for (const e of blockOf(n, diags) ?? []) {
    const name = e.keyword.text;
    if (e.args.length === 0) {
      // keepalived logs "No timeouts specified" and leaves the interface alone.
      diags.warning('CONF_ERR_ARITY', e.keyword.pos, `interface_up_down_delays: no delays for ${name}; ignored`);
      continue;
    }
    if (e.args.length > 2) diags.warning('CONF_ERR_ARITY', e.args[2]!.pos, `interface_up_down_delays: ${name} takes a down and an up delay; the rest is ignored (keepalived ignores it too)`);
    const down = secondsValue(e.args[0]!, 0, 255, `down delay of ${name}`, diags);
    const up = e.args[1] === undefined ? 0 : secondsValue(e.args[1], 0, 255, `up delay of ${name}`, diags);
    if (down !== undefined && up !== undefined) into[name] = { down, up, pos: e.keyword.pos };
  }
}

const POLLING = ['MII', 'ETHTOOL', 'IOCTL'];

/** `linkbeat_interfaces { IF [MII|ETHTOOL|IOCTL] }`: read, and said to change nothing (tandem hears link state from netlink). */
export function parseLinkbeatInterfaces(n: Node, diags: Diagnostics): void {
  const names: string[] = [];
  for (const e of blockOf(n, diags) ?? []) {
    const how = e.args[0];
    if (how !== undefined && !POLLING.includes(how.text)) diags.warning('CONF_ERR_VALUE', how.pos, `linkbeat_interfaces: '${how.text}' is not MII, ETHTOOL or IOCTL (keepalived ignores it too)`);
    names.push(e.keyword.text);
  }
  diags.warning(
    'CONF_ERR_UNSUPPORTED',
    n.keyword.pos,
    `linkbeat_interfaces changes nothing for tandem: the link state of ${names.length > 0 ? names.join(', ') : 'every interface'} comes from netlink events, which every driver sends (keepalived polls these instead)`,
  );
}
