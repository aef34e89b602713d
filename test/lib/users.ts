import { randomBytes } from 'node:crypto';
import { run } from './sh.js';

/** A real unprivileged account a test creates for itself (the "other user" of a shared host). */
export interface TestUser {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
  /** Runs a command as this user; resolves with stdout (stderr too, and never rejects, with allowFail). */
  run(cmd: string, args: readonly string[], allowFail?: boolean): Promise<string>;
  /** Deletes the account; safe to call twice. */
  remove(): Promise<void>;
}

/** Creates a system account with no home and no login shell; `remove()` deletes it. */
export async function createTestUser(prefix = 'tdsec'): Promise<TestUser> {
  const name = `${prefix}${randomBytes(3).toString('hex')}`;
  await run('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', '--user-group', name]);
  const uid = Number((await run('id', ['-u', name])).trim());
  const gid = Number((await run('id', ['-g', name])).trim());
  let removed = false;
  return {
    name,
    uid,
    gid,
    run: (cmd, args, allowFail = false) => run('runuser', ['-u', name, '--', cmd, ...args], { allowFail, withStderr: allowFail }),
    remove: async () => {
      if (removed) return;
      removed = true;
      await run('userdel', [name], { allowFail: true });
    },
  };
}
