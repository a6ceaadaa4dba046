import { ScriptError, type ScriptEntry, type ScriptService } from '../sieve/script-service.ts';
import { setVacation, type VacationState } from '../sieve/vacation.ts';
import { filterRules, setFilterRules, type FilterState } from '../sieve/filter-rules.ts';
import type { FilterRule } from '../sieve/filter-rules-script.ts';
import { readVacation, VACATION_SCRIPT, type VacationSettings } from '../sieve/vacation-script.ts';
import type { Account } from '../store/types.ts';
import { AdminError } from './service.ts';

/**
 * The Sieve operations of `mailfold sieve` and `mailfold vacation`, over the same script
 * service as ManageSieve, so that both refuse the same scripts with the same errors.
 */

/** The script service's refusals as the CLI reports them (one line, exit 1). */
async function refusing<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (!(err instanceof ScriptError)) throw err;
    throw new AdminError(err.code.toLowerCase(), err.code === 'INVALID-SCRIPT' ? err.message.replace(/\r\n/g, '\n') : err.message);
  }
}

const nameArg = (name: unknown): string => {
  if (typeof name !== 'string' || name === '') throw new AdminError('invalid', 'a script name is required');
  return name;
};

export const listScripts = (scripts: ScriptService, account: Account): Promise<ScriptEntry[]> => scripts.list(account.id);

export const showScript = (scripts: ScriptService, account: Account, name: unknown): Promise<{ name: string; content: string }> =>
  refusing(async () => ({ name: nameArg(name), content: await scripts.get(account.id, nameArg(name)) }));

export const putScript = (scripts: ScriptService, account: Account, p: { name: unknown; activate?: boolean }, content: Buffer): Promise<ScriptEntry> =>
  refusing(async () => {
    const name = nameArg(p.name);
    await scripts.put(account.id, name, content);
    if (p.activate) await scripts.activate(account.id, name);
    return { name, active: (await scripts.list(account.id)).some((s) => s.name === name && s.active) };
  });

export const activateScript = (scripts: ScriptService, account: Account, name: unknown): Promise<{ active: string | null }> =>
  refusing(async () => {
    const chosen = name === null ? null : nameArg(name);
    await scripts.activate(account.id, chosen);
    return { active: chosen };
  });

export const deleteScript = (scripts: ScriptService, account: Account, name: unknown): Promise<{ deleted: string }> =>
  refusing(async () => {
    await scripts.delete(account.id, nameArg(name));
    return { deleted: nameArg(name) };
  });

export const checkScript = (scripts: ScriptService, content: Buffer): Promise<{ valid: true }> =>
  refusing(async () => {
    scripts.check(content);
    return { valid: true };
  });

export interface VacationParams {
  on: boolean;
  subject?: string;
  message?: string;
  until?: string;
  days?: number;
}

export const vacation = (scripts: ScriptService, account: Account, p: VacationParams): Promise<VacationState> =>
  refusing(() => {
    if (!p.on) return setVacation(scripts, account.id, null);
    if (p.subject === undefined || p.message === undefined) throw new AdminError('invalid', 'turning vacation on needs a subject and a message');
    return setVacation(scripts, account.id, {
      subject: p.subject,
      message: p.message,
      ...(p.until === undefined ? {} : { until: p.until }),
      ...(p.days === undefined ? {} : { days: p.days }),
    });
  });

/** The vacation settings as the generated script holds them, for the account page's form. */
export const vacationSettings = (scripts: ScriptService, account: Account): Promise<{ on: boolean; settings: Omit<VacationSettings, 'include'> | null }> =>
  refusing(async () => {
    const list = await scripts.list(account.id);
    const ours = list.find((s) => s.name === VACATION_SCRIPT);
    if (!ours) return { on: false, settings: null };
    return { on: ours.active, settings: readVacation(await scripts.get(account.id, VACATION_SCRIPT)) };
  });

export const filterList = (scripts: ScriptService, account: Account): Promise<FilterState> => refusing(() => filterRules(scripts, account.id));

export const filterSet = (scripts: ScriptService, account: Account, rules: FilterRule[]): Promise<FilterState> =>
  refusing(() => setFilterRules(scripts, account.id, rules));
