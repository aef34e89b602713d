#!/bin/sh
# Replays keepalived's keyword registration (install_keyword_root / install_keyword /
# install_sublevel ...) and prints one line per keyword: its section path, a tab, the
# keyword. The registration functions are cut out of keepalived's own source, compiled
# with stubs of the parser's install_* calls (tree.c, built as lib/parser.c builds its
# tree) and the feature macros of Debian 12's keepalived 2.2.7 build (`keepalived -v`),
# plus libipset's vrrp_ipsets (Debian builds without libipset; upstream accepts it).
#
#   git -C KEEPALIVED_REPO archive v2.2.7 | tar x -C SRC
#   test/tools/keepalived-keywords/generate.sh SRC > packages/config/test/fixtures/keepalived-2.2.7-keywords.tsv
#
# Nothing of keepalived's source is committed: only the list it prints.
set -eu
src=$1
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The functions that register keywords, in the files that hold them.
files="keepalived/core/global_parser.c keepalived/vrrp/vrrp_parser.c keepalived/check/check_parser.c
keepalived/check/check_api.c keepalived/check/check_bfd.c keepalived/check/check_dns.c keepalived/check/check_file.c
keepalived/check/check_http.c keepalived/check/check_misc.c keepalived/check/check_ping.c keepalived/check/check_smtp.c
keepalived/check/check_tcp.c keepalived/check/check_udp.c keepalived/bfd/bfd_parser.c keepalived/trackers/track_file.c"
for f in $files; do
  # A function starts at "NAME(" in column 0 and ends at "}" in column 0; keep those whose
  # body calls an install_ function (the preprocessor lines inside them come along).
  awk '
    /^#define [A-Za-z_]+[ \t]*$/ && !on { print }
    /^[a-z_]+\(/ { name = $0; body = ""; on = 1 }
    on { body = body $0 "\n" }
    on && /^}/ { if (body ~ /[^_a-z]install_[a-z_]*\(/) printf "static void\n%s", body; on = 0 }
  ' "$src/$f"
done > "$work/registrations.c"

# Every &handler and bare handler the registrations name, as an empty function.
perl -ne 'print "$1\n" while /install_\w+\(\s*(?:"[^"]*"|\w+),\s*&?(\w+)/g; print "$1\n" while /_handler\(\s*&?(\w+)\s*\)/g' "$work/registrations.c" \
  | grep -vx NULL | sort -u | awk '{ printf "static void %s(const vector_t *v) { (void)v; }\n", $1 }' > "$work/handlers.h"

# Forward declarations of the registration functions (they call each other in any order).
grep -A1 '^static void$' "$work/registrations.c" | grep '^[a-z_]*(' | sed 's/$/;/' | sed 's/^/static void /' > "$work/protos.h"

defines="-D_WITH_VRRP_ -D_WITH_LVS_ -D_WITH_BFD_ -D_WITH_REGEX_CHECK_ -D_WITH_NFTABLES_ -D_WITH_FIREWALL_
-D_WITH_VRRP_AUTH_ -D_HAVE_VRRP_VMAC_ -D_HAVE_VRRP_IPVLAN_ -D_HAVE_VRF_ -D_WITH_JSON_ -D_WITH_SNMP_ -D_WITH_SNMP_VRRP_
-D_WITH_SNMP_CHECKER_ -D_WITH_SNMP_RFC_ -D_WITH_SNMP_RFCV2_ -D_WITH_SNMP_RFCV3_ -D_WITH_DBUS_ -D_WITH_TRACK_PROCESS_
-D_WITH_LINKBEAT_ -D_WITH_UNICAST_CHKSUM_COMPAT_ -D_WITH_SO_MARK_ -D_HAVE_SSL_SET_TLSEXT_HOST_NAME_ -DIP_VS_SVC_F_SCHED1
-D_HAVE_LIBIPSET_ -D_HAVE_FIB_ROUTING_"
cat "$here/tree.h" "$work/handlers.h" "$work/protos.h" "$work/registrations.c" "$here/main.c" > "$work/replay.c"
# shellcheck disable=SC2086
cc -w -I"$here" -o "$work/replay" $defines "$here/tree.c" "$work/replay.c"
"$work/replay"
