import type { Diagnostics } from './diagnostics.js';
import type { GarpExtraIf } from './model.js';
import type { Node } from './tree.js';
import { arity, intValue } from './values.js';

/** keepalived's spellings before 2.2.3 (a wrong name in a commit), still read with a deprecation warning. */
const DEPRECATED: Readonly<Record<string, string>> = { vmac_garp_intvl: 'garp_extra_if', vrrp_vmac_garp_intvl: 'vrrp_garp_extra_if' };

/** `garp_extra_if [all] N` / `vrrp_garp_extra_if [all] N` (and the deprecated `*vmac_garp_intvl`), words in either order. */
export function garpExtraIf(n: Node, diags: Diagnostics): GarpExtraIf | undefined {
  const kw = n.keyword.text;
  const now = Object.hasOwn(DEPRECATED, kw) ? DEPRECATED[kw] : undefined;
  if (now !== undefined) diags.warning('CONF_ERR_VALUE', n.keyword.pos, `${kw} is deprecated (keepalived says so too): read as ${now}`);
  if (!arity(n, 1, 2, diags)) return undefined;
  let all = false;
  let interval: number | undefined;
  for (const a of n.args) {
    if (a.text === 'all') all = true;
    else {
      interval = intValue(a, 0, 86400, `${kw} interval`, diags);
      if (interval === undefined) return undefined;
    }
  }
  if (interval === undefined) {
    diags.error('CONF_ERR_VALUE', n.keyword.pos, `${kw} needs an interval in seconds`);
    return undefined;
  }
  return { interval, all };
}
