import type { Diagnostics } from './diagnostics.js';
import type { GarpGroup } from './model.js';
import { applySection, blockOf, seconds, single, type SectionSpec } from './section.js';
import type { Token } from './lexer.js';
import type { Node } from './tree.js';

// keepalived 2.2.7's garp_group (vrrp_parser.c garp_group_*_handler, vrrp_if.c, vrrp_arp.c):
// the interfaces of one group share one pacing of gratuitous ARPs (garp_interval) and of
// unsolicited neighbour advertisements (gna_interval): one announcement on any of them holds
// back the next on all of them for the interval. An interface in a group is paced by the group
// alone; the global vrrp_garp_interval / vrrp_gna_interval pace each other interface on its own.

type Draft = { garpInterval?: number; gnaInterval?: number; interfaces: Token[] };

const spec: SectionSpec<Draft> = {
  name: 'garp_group',
  keywords: {
    garp_interval: single(seconds(0, 2 ** 31 / 1e6), (d, v) => (d.garpInterval = v)),
    gna_interval: single(seconds(0, 2 ** 31 / 1e6), (d, v) => (d.gnaInterval = v)),
    interface: (n, d, diags) => {
      if (n.args.length !== 1) return diags.error('CONF_ERR_ARITY', n.keyword.pos, 'interface takes one interface name (interfaces { ... } takes several)');
      d.interfaces.push(n.args[0]!);
    },
    interfaces: (n, d, diags) => {
      const block = blockOf(n, diags);
      if (block === undefined) return;
      // keepalived's read_value_block: every word of the block, several to a line or not.
      const names = block.flatMap((e) => [e.keyword, ...e.args]);
      if (names.length === 0) diags.warning('CONF_ERR_MISSING', n.keyword.pos, 'empty garp_group interfaces block');
      d.interfaces.push(...names);
    },
  },
};

/**
 * A top-level `garp_group { garp_interval S; gna_interval S; interface IF; interfaces { ... } }`.
 * `claimed`: interfaces earlier groups have; one named again is ignored here with an error, as
 * keepalived ("garp_group already specified for IF - ignoring").
 */
export function parseGarpGroup(node: Node, claimed: Set<string>, diags: Diagnostics): GarpGroup | undefined {
  if (node.args.length > 0) diags.error('CONF_ERR_ARITY', node.args[0]!.pos, `unexpected '${node.args[0]!.text}' after garp_group`);
  const block = blockOf(node, diags);
  if (block === undefined) return undefined;
  const d: Draft = { interfaces: [] };
  applySection(spec, block, d, diags);
  if (d.garpInterval === undefined && d.gnaInterval === undefined) {
    diags.error('CONF_ERR_MISSING', node.keyword.pos, 'garp_group needs garp_interval or gna_interval (keepalived: "does not have any delay set - removing")');
    return undefined;
  }
  const interfaces: string[] = [];
  for (const tok of d.interfaces) {
    if (claimed.has(tok.text)) {
      diags.error('CONF_ERR_CONFLICT', tok.pos, `garp_group already specified for ${tok.text} (keepalived ignores this one)`);
      continue;
    }
    claimed.add(tok.text);
    interfaces.push(tok.text);
  }
  return { pos: node.keyword.pos, interfaces, ...(d.garpInterval !== undefined ? { garpInterval: d.garpInterval } : {}), ...(d.gnaInterval !== undefined ? { gnaInterval: d.gnaInterval } : {}) };
}
