import type { Diagnostics } from './diagnostics.js';
import type { Node } from './tree.js';
import { arity, flagValue, secondsValue } from './values.js';

/**
 * keepalived 2.2.7's top-level keywords that set up its own processes rather than anything
 * on the network (global_parser.c installs them as roots, so they stand outside
 * global_defs, and keepalived refuses them inside it). tandem reads each and says why it
 * changes nothing for tandem.
 */
const PROCESS_KEYWORDS: Readonly<Record<string, { readonly check: (n: Node, diags: Diagnostics) => boolean; readonly why: string }>> = {
  use_pid_dir: { check: (n, d) => arity(n, 0, 0, d), why: "keepalived's pid files under /run/keepalived/; tandemd's pid file is -p FILE" },
  instance: {
    check: (n, d) => arity(n, 1, 1, d),
    why: "keepalived names its pid files and dumps after the instance; tandemd's are named by -p and --control-socket",
  },
  child_wait_time: {
    check: (n, d) => arity(n, 1, 1, d) && secondsValue(n.args[0]!, 0, 2 ** 31 - 1, 'child_wait_time', d) !== undefined,
    why: 'how long keepalived waits for its child processes at stop; tandemd stops its sides itself',
  },
  linkbeat_use_polling: { check: (n, d) => arity(n, 0, 0, d), why: 'tandem follows link state through netlink events, which every driver reports' },
  namespace_with_ipsets: {
    check: (n, d) => flagValue(n, d) !== undefined,
    why: 'ipset names for network namespaces; tandem filters with nftables sets of its own table, which live in the namespace',
  },
};

/** Handles a top-level keyword of PROCESS_KEYWORDS (true), or says it is not one (false). */
export function processKeyword(n: Node, diags: Diagnostics): boolean {
  const k = Object.hasOwn(PROCESS_KEYWORDS, n.keyword.text) ? PROCESS_KEYWORDS[n.keyword.text] : undefined;
  if (k === undefined) return false;
  if (k.check(n, diags)) diags.warning('CONF_ERR_UNSUPPORTED', n.keyword.pos, `${n.keyword.text} changes nothing for tandem (${k.why}); ignored`);
  return true;
}

/** The top-level keywords `processKeyword` takes, for suggestions. */
export const PROCESS_KEYWORD_NAMES: readonly string[] = Object.keys(PROCESS_KEYWORDS);
