import type { Config, NftablesIpvs } from '@tandem/config';
import { findNft, runNftScript } from '@tandem/net';
import { type AutoFwmarks, nftablesIpvsRemoval, nftablesIpvsScript } from './ipvs-fwmarks.js';

/**
 * nftables_ipvs's tables in the kernel: `apply` makes them hold what the configuration wants
 * (one `nft -f` transaction, run only when the script differs from the last one applied), and
 * `remove` drops them. The tables are made in tandemd's own network namespace, as keepalived
 * makes them (its nft socket is not opened in net_namespace_ipvs).
 */
export class NftablesIpvsTables {
  private applied: { table: string; script: string } | undefined;

  /** Makes the tables match; throws with nft's message when nftables refuses or is not installed. */
  async apply(settings: NftablesIpvs, config: Config, fwmarks: AutoFwmarks | undefined): Promise<boolean> {
    const script = nftablesIpvsScript(settings, config, fwmarks);
    if (this.applied?.table === settings.table && this.applied.script === script) return false;
    const removeOld = this.applied !== undefined && this.applied.table !== settings.table ? nftablesIpvsRemoval(this.applied.table) : '';
    await runNft(removeOld + script);
    this.applied = { table: settings.table, script };
    return true;
  }

  /** Drops the tables, if this process made them. */
  async remove(): Promise<void> {
    const a = this.applied;
    if (a === undefined) return;
    this.applied = undefined;
    await runNft(nftablesIpvsRemoval(a.table));
  }
}

function runNft(script: string): Promise<void> {
  const nft = findNft();
  if (nft === undefined) return Promise.reject(new Error('nftables_ipvs needs nftables (the nft command); install the Debian package nftables'));
  return runNftScript(nft, script);
}
