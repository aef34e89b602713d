import { sameValue, type Config, type VirtualServerDiff } from '@tandem/config';

/**
 * The virtual servers a reload must plan again: those that changed, and those whose
 * `virtual_server_group` or FILE_CHECK track_file did; all of them (undefined) when the
 * scripts' global settings changed, since every MISC_CHECK is prepared with them; those with
 * an SSL_GET when the global SSL block changed (its certificate is in their connections).
 */
export function replanned(before: Config, after: Config, changes: VirtualServerDiff): ReadonlySet<string> | undefined {
  const g = (c: Config): unknown => [c.globalDefs.scriptUser, c.globalDefs.enableScriptSecurity, c.globalDefs.scriptSecurityAsked];
  if (!sameValue(g(before), g(after))) return undefined;
  const names = new Set([...changes.changed.map((p) => p.after.name), ...changes.added.map((v) => v.name)]);
  const groups = new Set(changes.groupsChanged);
  const oldFiles = new Map(before.trackFiles.map((f) => [f.name, f]));
  const files = new Set(after.trackFiles.filter((f) => !sameValue(oldFiles.get(f.name), f)).map((f) => f.name));
  for (const f of before.trackFiles) if (!after.trackFiles.some((a) => a.name === f.name)) files.add(f.name);
  const ssl = !sameValue(before.ssl, after.ssl);
  for (const { after: vs } of changes.unchanged) {
    if (vs.key.kind === 'group' && groups.has(vs.key.group)) names.add(vs.name);
    else if (ssl && vs.realServers.some((rs) => rs.checkers.some((c) => c.kind === 'SSL_GET'))) names.add(vs.name);
    else if (files.size > 0 && vs.realServers.some((rs) => rs.checkers.some((c) => c.kind === 'FILE_CHECK' && files.has(c.trackFile)))) names.add(vs.name);
  }
  return names;
}
