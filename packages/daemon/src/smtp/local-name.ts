import { childProcessModule } from '../builtins.js';
import { hostname } from 'node:os';

// keepalived's local_name (lib/utils.c get_local_name): the canonical name the resolver gives
// for the host name (getaddrinfo with AI_CANONNAME), so `lb1` listed in /etc/hosts as
// `127.0.1.1 lb1.example.com lb1` is `lb1.example.com`. It is the default router_id, HELO name
// and sender domain of the email alerts. Node has no AI_CANONNAME, so this asks getent, which
// prints the canonical name on its first line.

/** The canonical name in `getent ahosts NAME`'s output (its first line's third field), if any. */
export function canonicalFromAhosts(output: string): string | undefined {
  const first = output.split('\n')[0]?.trim().split(/\s+/);
  return first !== undefined && first.length >= 3 && first[2] !== '' ? first[2] : undefined;
}

/** The host's canonical name, else its name (getent missing, the name unresolvable, 2 s gone). */
export function localName(): Promise<string> {
  const name = hostname();
  return new Promise((resolve) => {
    childProcessModule().execFile('getent', ['ahosts', name], { timeout: 2000 }, (err, stdout) => resolve((err === null ? canonicalFromAhosts(stdout) : undefined) ?? name));
  });
}
