// Pairs of bfd_instances and whether keepalived 2.2.7's find_bfd_by_addr takes the second for
// a duplicate of the first (a session to a neighbor is one when their sources are equal or
// either has none), with `keepalived -t` as the oracle: bfd.test.ts checks tandem against the
// table, test/netns/bfd-config-oracle.test.ts the table against keepalived.

const pair = (first: string, second: string): string => `bfd_instance one {\n${first}}\nbfd_instance two {\n${second}}\n`;
/** [what, file, whether the second bfd_instance is a duplicate]. */
export const BFD_DUPLICATES: ReadonlyArray<readonly [string, string, boolean]> = [
  ['with source_ip, then the same neighbor without', pair('  neighbor_ip 2001:db8::2\n  source_ip 2001:db8::1\n', '  neighbor_ip 2001:db8:0::2\n'), true],
  ['without source_ip, then the same neighbor with', pair('  neighbor_ip 192.0.2.2\n', '  neighbor_ip 192.0.2.2\n  source_ip 192.0.2.1\n'), true],
  ['the same source and neighbor, spelled otherwise', pair('  neighbor_ip 2001:db8::2\n  source_ip 2001:db8::1\n', '  neighbor_ip 2001:DB8:0:0::2\n  source_ip 2001:0db8::1\n'), true],
  ['two sources to one neighbor', pair('  neighbor_ip 192.0.2.2\n  source_ip 192.0.2.1\n', '  neighbor_ip 192.0.2.2\n  source_ip 192.0.2.9\n'), false],
  ['one source to two neighbors', pair('  neighbor_ip 2001:db8::2\n  source_ip 2001:db8::1\n', '  neighbor_ip 2001:db8::3\n  source_ip 2001:db8::1\n'), false],
];

