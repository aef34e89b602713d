import { dnsPromisesModule, netModule } from '../builtins.js';
import { SmtpDialogue, type Envelope } from './dialogue.js';

// The I/O half of the SMTP client: one TCP connection per mail, the dialogue driven by
// dialogue.ts, every wait bounded by smtp_connect_timeout as keepalived bounds each of its
// reads and the connect. Never throws: the outcome says what happened.

/** Where to send and how long each step may take. */
export interface SmtpTarget {
  readonly host: string;
  readonly port: number;
  /** smtp_connect_timeout, in ms: the connect, and each reply after it. */
  readonly timeoutMs: number;
}

/** How one mail went, with keepalived's log line when it did not. */
export type SendOutcome = { readonly sent: true } | { readonly sent: false; readonly why: string };

/** keepalived's FMT_SMTP_HOST (inet_sockaddrtopair): `[192.0.2.25]:25`. */
export function smtpHostText(host: string, port: number): string {
  return `[${host}]:${port}`;
}

/**
 * Sends one message: resolves a name (first address, as keepalived's getaddrinfo), connects,
 * runs the dialogue. `data` is the DATA part (dialogue.ts's messageData).
 */
export async function sendMail(target: SmtpTarget, envelope: Envelope, data: string): Promise<SendOutcome> {
  let address = target.host;
  if (netModule().isIP(address) === 0) {
    try {
      address = (await dnsPromisesModule().lookup(target.host)).address;
    } catch (err) {
      return { sent: false, why: `Cannot resolve SMTP server ${target.host}: ${(err as Error).message}` };
    }
  }
  const server = smtpHostText(address, target.port);
  const dialogue = new SmtpDialogue(envelope, data, server);
  return new Promise<SendOutcome>((resolve) => {
    let connected = false;
    let problem: string | undefined;
    let settled = false;
    const socket = netModule().connect({ host: address, port: target.port });
    const finish = (o: SendOutcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(o);
    };
    const outcome = (accepted: boolean, why: string): SendOutcome => (accepted ? { sent: true } : { sent: false, why: problem ?? why });
    let timer = setTimeout(() => finish({ sent: false, why: `Timeout opening connection to remote SMTP server ${server}.` }), target.timeoutMs);
    const rearm = (): void => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        const s = dialogue.timeout();
        problem ??= `Timeout reading data to remote SMTP server ${server}.`;
        if (s.done) return finish(outcome(s.accepted, problem));
        if (s.send !== undefined) socket.write(s.send);
        rearm();
      }, target.timeoutMs);
    };
    socket.setEncoding('latin1');
    socket.on('connect', () => {
      connected = true;
      rearm();
    });
    socket.on('data', (chunk: string) => {
      const s = dialogue.receive(chunk);
      if (s.problem !== undefined) problem ??= s.problem;
      if (s.done) return finish(outcome(s.accepted, 'QUIT'));
      if (s.send !== undefined) socket.write(s.send);
      rearm();
    });
    // The server took the message once it said 250 after the body: what happens to QUIT does not change that.
    socket.on('error', (err) => finish(outcome(dialogue.accepted, connected ? `Error reading data from remote SMTP server ${server}: ${err.message}` : `SMTP connection ERROR to ${server}: ${err.message}`)));
    socket.on('close', () => finish(outcome(dialogue.accepted, `Remote SMTP server ${server} has closed the connection.`)));
  });
}
