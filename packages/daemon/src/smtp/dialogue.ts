// keepalived 2.2.7's SMTP client (core/smtp.c and include/smtp.h) as a pure state machine: the
// commands it sends, the reply codes it waits for, and the message it writes after DATA. The
// I/O (connection, timeouts) is client.ts's; this only turns server bytes into client bytes.

/** What one mail needs from the settings. */
export interface Envelope {
  /** HELO's argument (keepalived: smtp_helo_name, else the host name, else `localhost`). */
  readonly helo: string;
  /** MAIL FROM and the From header. */
  readonly from: string;
  /** One RCPT TO each, in order, and the To header (joined with ", "). */
  readonly to: readonly string[];
}

/** The stages of keepalived's SMTP_FSM after the connection, each with the reply it expects. */
type Stage = 'GREETING' | 'HELO' | 'MAIL' | 'RCPT' | 'DATA' | 'BODY' | 'QUIT' | 'END';

const EXPECTED: Record<Exclude<Stage, 'END'>, { code: number; name: string }> = {
  GREETING: { code: 220, name: '(E)SMTP' },
  HELO: { code: 250, name: 'HELO' },
  MAIL: { code: 250, name: 'MAIL' },
  RCPT: { code: 250, name: 'RCPT' },
  DATA: { code: 354, name: 'DATA' },
  BODY: { code: 250, name: 'BODY' },
  QUIT: { code: 221, name: 'QUIT' },
};

/** keepalived's SMTP_BUFFER_MAX: a reply longer than this ends the dialogue (with QUIT). */
const BUFFER_MAX = 1024;

/** What the dialogue does after some bytes from the server. */
export interface Step {
  /** Bytes to write to the server, if any. */
  readonly send?: string;
  /** The dialogue is over: close the connection. */
  readonly done: boolean;
  /** Set once the server took the message (250 after the body): the mail is sent, whatever QUIT gets. */
  readonly accepted: boolean;
  /** keepalived's log line for a refused command or an overlong reply. */
  readonly problem?: string;
}

/** RFC 5322 date as keepalived's strftime("%a, %d %b %Y %H:%M:%S %z") in local time. */
export function rfc822Date(d: Date): string {
  const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const two = (n: number): string => String(n).padStart(2, '0');
  const off = -d.getTimezoneOffset();
  const zone = `${off < 0 ? '-' : '+'}${two(Math.floor(Math.abs(off) / 60))}${two(Math.abs(off) % 60)}`;
  return `${days[d.getDay()]}, ${two(d.getDate())} ${months[d.getMonth()]} ${d.getFullYear()} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())} ${zone}`;
}

/**
 * What keepalived writes after DATA (SMTP_HEADERS_CMD, SMTP_BODY_CMD, SMTP_SEND_CMD): Date,
 * From, Subject, X-Mailer and To headers, the body line, an empty line and the ending dot.
 * X-Mailer stays `Keepalived`: mail filters written for keepalived's alerts match it.
 */
export function messageData(e: Envelope, subject: string, body: string, date: Date): string {
  // keepalived builds the To header in a 1024-byte buffer: addresses that do not fit are left out.
  let to = '';
  for (const a of e.to) {
    const next = to === '' ? a : `${to}, ${a}`;
    if (next.length > BUFFER_MAX - 1) break;
    to = next;
  }
  return `Date: ${rfc822Date(date)}\r\nFrom: ${e.from}\r\nSubject: ${subject}\r\nX-Mailer: Keepalived\r\nTo: ${to}\r\n\r\n${body}\r\n\r\n.\r\n`;
}

/**
 * One mail's dialogue: HELO, MAIL FROM, RCPT TO for each address, DATA, the message, QUIT.
 * Any reply other than the one expected sends QUIT (keepalived: "Error processing RCPT cmd on
 * SMTP server ... SMTP status code = 550"); there is no retry, as in keepalived.
 */
export class SmtpDialogue {
  private stage: Stage = 'GREETING';
  private rcpt = 0;
  private buffer = '';
  private taken = false;

  constructor(
    private readonly envelope: Envelope,
    /** The whole DATA part (messageData), written after the server's 354. */
    private readonly data: string,
    /** For problem lines: `[192.0.2.25]:25`. */
    private readonly server: string,
  ) {}

  /** Whether the server took the message (250 after the body). */
  get accepted(): boolean {
    return this.taken;
  }

  /** Whether QUIT has been sent (a timeout then just closes, as keepalived). */
  get quitting(): boolean {
    return this.stage === 'QUIT' || this.stage === 'END';
  }

  /** The server's bytes: a whole reply (its last line, after any `250-` lines) moves the dialogue on. */
  receive(chunk: string): Step {
    if (this.stage === 'END') return { done: true, accepted: this.taken };
    if (this.buffer.length + chunk.length >= BUFFER_MAX) {
      this.buffer = '';
      return this.quit(`Received buffer from remote SMTP server ${this.server} overflow our get read buffer length.`);
    }
    this.buffer += chunk;
    let code: number | undefined;
    for (;;) {
      const end = this.buffer.indexOf('\r\n');
      if (end < 0) break;
      const line = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      // A multi-line reply: only its last line (no '-' after the code) counts.
      if (line[3] === '-') continue;
      code = /^\d{3}/.test(line) ? Number(line.slice(0, 3)) : NaN;
      break;
    }
    if (code === undefined) return { done: false, accepted: this.taken };
    return this.reply(code);
  }

  /** A reading timeout: QUIT, or the end if QUIT was sent already. */
  timeout(): Step {
    if (this.quitting) return this.end();
    return this.quit(undefined);
  }

  private reply(code: number): Step {
    const stage = this.stage as Exclude<Stage, 'END'>;
    const want = EXPECTED[stage];
    if (code !== want.code) {
      if (stage === 'QUIT') return this.end();
      return this.quit(`Error processing ${want.name} cmd on SMTP server ${this.server}. SMTP status code = ${Number.isNaN(code) ? -1 : code}`);
    }
    switch (stage) {
      case 'GREETING':
        return this.next('HELO', `HELO ${this.envelope.helo}\r\n`);
      case 'HELO':
        return this.next('MAIL', `MAIL FROM:<${this.envelope.from}>\r\n`);
      case 'MAIL':
      case 'RCPT': {
        const to = this.envelope.to[this.rcpt];
        if (to !== undefined) {
          this.rcpt++;
          return this.next('RCPT', `RCPT TO:<${to}>\r\n`);
        }
        return this.next('DATA', 'DATA\r\n');
      }
      case 'DATA':
        return this.next('BODY', this.data);
      case 'BODY':
        this.taken = true;
        return this.quit(undefined);
      case 'QUIT':
        return this.end();
    }
  }

  private next(stage: Stage, send: string): Step {
    this.stage = stage;
    return { send, done: false, accepted: this.taken };
  }

  private quit(problem: string | undefined): Step {
    this.stage = 'QUIT';
    return { send: 'QUIT\r\n', done: false, accepted: this.taken, ...(problem !== undefined ? { problem } : {}) };
  }

  private end(): Step {
    this.stage = 'END';
    return { done: true, accepted: this.taken };
  }
}
