import type { Account, Directory, Vault } from '../store/types.ts';
import { parseAddress, formatAddress } from './address.ts';
import { barePostmasterAddress, isBarePostmaster, isRoleLocalPart, roleAccount } from './role-address.ts';
import { isSrsAddress, SRS_SECRET, srsReverse } from './srs.ts';

export type UnknownReason = 'no-such-user' | 'disabled' | 'invalid' | 'loop' | 'srs-bounces-only' | 'srs-invalid';

/** Where one recipient address leads once aliases, subaddresses and catch-alls are followed. */
export interface Resolution {
  local: Account[];
  remote: string[];
  /** Local-domain addresses that lead nowhere, or disabled accounts. */
  unknown: { address: string; reason: UnknownReason }[];
}

export interface ResolveOptions {
  /**
   * The envelope sender ('' is the null sender of bounces and DSNs). Only the
   * null sender may reach an SRS address of ours, as with postsrsd: any other
   * could use it to relay anything to the original sender. Absent: not a bounce.
   */
  sender?: string;
}

const MAX_DEPTH = 10;

/**
 * Follows an address to its final mailboxes, as Postfix's virtual alias expansion
 * does: exact account, exact alias, the address without its `+tag`, then the
 * domain's catch-all (`@domain` alias), then the role mailboxes (postmaster,
 * abuse) that every domain has. Each account appears once in the answer.
 */
export async function resolveRecipient(store: Directory & Vault, address: string, separator: string, opts: ResolveOptions = {}): Promise<Resolution> {
  const result: Resolution = { local: [], remote: [], unknown: [] };
  const seenAccounts = new Set<number>();
  const addLocal = (account: Account) => {
    if (seenAccounts.has(account.id)) return;
    seenAccounts.add(account.id);
    result.local.push(account);
  };
  const visit = async (raw: string, depth: number, trail: Set<string>): Promise<void> => {
    const parsed = parseAddress(raw);
    if (!parsed) {
      result.unknown.push({ address: raw, reason: 'invalid' });
      return;
    }
    const canonical = formatAddress(parsed);
    if (depth > MAX_DEPTH || trail.has(canonical)) {
      result.unknown.push({ address: canonical, reason: 'loop' });
      return;
    }
    const next = new Set(trail).add(canonical);
    const base = separator && parsed.local.includes(separator) ? `${parsed.local.split(separator)[0]}@${parsed.domain}` : null;
    for (const candidate of base ? [canonical, base] : [canonical]) {
      const account = await store.getAccount(candidate);
      if (account) {
        if (account.disabled) result.unknown.push({ address: candidate, reason: 'disabled' });
        else addLocal(account);
        return;
      }
      const alias = await store.getAlias(candidate);
      if (alias) {
        for (const target of alias.targets) await visit(target, depth + 1, next);
        return;
      }
    }
    if (!(await store.getDomain(parsed.domain))) {
      if (!result.remote.includes(canonical)) result.remote.push(canonical);
      return;
    }
    // A bounce to an address this server rewrote when forwarding goes back to the
    // original sender. Such an address is never a mailbox, so no catch-all takes it.
    if (depth === 0 && isSrsAddress(parsed.local)) {
      if (opts.sender !== '') {
        result.unknown.push({ address: canonical, reason: 'srs-bounces-only' });
        return;
      }
      const reversed = srsReverse(canonical, await store.secret(SRS_SECRET), Date.now());
      if ('address' in reversed) return visit(reversed.address, depth + 1, next);
      result.unknown.push({ address: canonical, reason: 'srs-invalid' });
      return;
    }
    const catchAll = await store.getAlias(`@${parsed.domain}`);
    if (catchAll && depth === 0) {
      for (const target of catchAll.targets) await visit(target, depth + 1, next);
      return;
    }
    const role = isRoleLocalPart(parsed.local) ? await roleAccount(store, parsed.domain) : null;
    if (role) return addLocal(role);
    result.unknown.push({ address: canonical, reason: 'no-such-user' });
  };
  const bare = isBarePostmaster(address) ? await barePostmasterAddress(store) : null;
  await visit(bare ?? address, 0, new Set());
  return result;
}
