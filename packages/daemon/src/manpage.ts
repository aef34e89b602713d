import { DEFAULT_CONFIG, DEFAULT_SOCKET, OPTIONS, SIGNUMS, VERSION, type DaemonOption } from './cli.js';

// The man pages of tandemd(8) and tandemctl(8), made from the option table itself so that
// they cannot drift from what the binaries accept. The Debian package installs them.

/** Text safe in roff: backslashes doubled, a leading dot or quote escaped, hyphens as \-. */
function roff(text: string): string {
  return text
    .replace(/\\/g, '\\\\')
    .replace(/-/g, '\\-')
    .replace(/^([.'])/gm, '\\&$1');
}

function optionItem(o: DaemonOption): string {
  const value = o.metavar === undefined ? '' : o.arg === 'optional' ? `[=\\fI${roff(o.metavar)}\\fR]` : ` \\fI${roff(o.metavar)}\\fR`;
  const names = [...(o.short !== undefined ? [`\\fB\\-${o.short}\\fR`] : []), `\\fB\\-\\-${roff(o.long)}\\fR`].join(', ');
  const body = o.status === 'no-op' ? `${roff(o.help)}. Accepted for keepalived compatibility; changes nothing in tandem: ${roff(o.why ?? '')}.` : `${roff(o.help)}.`;
  return `.TP\n${names}${value}\n${body}${o.keepalived ? '' : ' (tandem\'s own option.)'}`;
}

const date = '2026-11-29';

/** tandemd(8). */
export function tandemdManPage(): string {
  return `.TH TANDEMD 8 "${date}" "tandem ${VERSION}" "System Administration"
.SH NAME
tandemd \\- keepalived\\-compatible VRRP and IPVS high\\-availability daemon
.SH SYNOPSIS
.B tandemd
[\\fIOPTION\\fR...]
.SH DESCRIPTION
.B tandemd
reads keepalived.conf as keepalived 2.2.7 reads it (default
.IR ${roff(DEFAULT_CONFIG)} ),
shares virtual addresses with VRRP (RFC 3768, RFC 5798), health\\-checks real servers and programs the
kernel's IPVS. It takes keepalived 2.2.7's command line: every option below is either done as
keepalived does it or accepted with a warning saying why it changes nothing.
It runs in the foreground, as a supervisor process and a VRRP side process; under systemd it is a
Type=notify service with a watchdog.
.PP
By default it logs to syslog (facility daemon); \\fB\\-l\\fR logs to the console too.
.SH OPTIONS
${OPTIONS.map(optionItem).join('\n')}
.SH SIGNALS
.TP
.B SIGHUP
Reload: read the file again and apply only what changed; an invalid file keeps the running configuration.
.TP
.BR SIGTERM ", " SIGINT
Stop: masters send a priority\\-0 advertisement, addresses and tandem's IPVS services are removed (see \\fB\\-V\\fR, \\fB\\-I\\fR).
.TP
.B SIGUSR1
Write keepalived.data (the configuration and state of every VRRP instance, keepalived's format).
.TP
.B SIGUSR2
Write keepalived.stats (keepalived's counters).
.TP
.BR "signal ${SIGNUMS['JSON']}" " (SIGRTMIN+2, " "\\-\\-signum=JSON" )
Write keepalived.json.
.TP
.BR "signal ${SIGNUMS['STATS_CLEAR']}" " (SIGRTMAX\\-1, " "\\-\\-signum=STATS_CLEAR" )
Write keepalived.stats, then start its counters again from zero.
.PP
The dump files go to \\fB$TMPDIR\\fR when it is an absolute path, else /tmp, mode 0600.
.SH FILES
.TP
.I ${roff(DEFAULT_CONFIG)}
The configuration.
.TP
.I ${roff(DEFAULT_SOCKET)}
The control socket \\fBtandemctl\\fR(8) talks to (mode 0600).
.TP
.I /run/tandem/tandem.state
What tandemd put into the kernel, so that the next start removes what a crashed run left.
.TP
.I /etc/default/keepalived
Read by the systemd unit: \\fBDAEMON_ARGS\\fR are passed to tandemd.
.SH EXIT STATUS
keepalived's codes: with \\fB\\-t\\fR, 0 for a valid file, 4 for a file that cannot be read, 5 for any other error. The daemon: 0 on a clean stop; 2 when it refuses the configuration (or the command line), 6 when the file cannot be read; 1 on any other failed start (another tandemd holds the socket or pidfile) or an exit after \\fB\\-R\\fR.
.SH SEE ALSO
.BR tandemctl (8),
.BR keepalived (8),
.BR keepalived.conf (5)
`;
}

/** tandemctl(8). */
export function tandemctlManPage(): string {
  return `.TH TANDEMCTL 8 "${date}" "tandem ${VERSION}" "System Administration"
.SH NAME
tandemctl \\- ask a running tandemd for its state, counters, or a reload
.SH SYNOPSIS
.B tandemctl
[\\fB\\-\\-socket\\fR \\fIPATH\\fR]
.BR status | dump | stats | reload
[\\fB\\-\\-json\\fR]
.SH DESCRIPTION
.B tandemctl
talks to tandemd's control socket (default
.IR ${roff(DEFAULT_SOCKET)} ).
It refuses a socket that another user could have put there.
.SH COMMANDS
.TP
.B status
Every VRRP instance (state, priority, effective priority, interface, VRID, master, addresses), every
real server (up or down, weight, last check, reason) and virtual server (IPVS programmed, quorum), and
the connection\\-sync daemon.
.TP
.B dump
The configuration, the status and the counters, as JSON.
.TP
.B stats
The counters: per instance adverts, drops by reason, transitions; per side its event\\-loop delay; reloads.
.TP
.B reload
Reload the configuration, as SIGHUP does, and print what it did, or the file's errors.
.SH OPTIONS
.TP
\\fB\\-\\-socket\\fR \\fIPATH\\fR
The control socket.
.TP
.B \\-\\-json
JSON output (status is a table otherwise).
.SH EXIT STATUS
0 on success, 1 when tandemd cannot be reached or refuses, 2 on a bad command line.
.SH SEE ALSO
.BR tandemd (8)
`;
}
