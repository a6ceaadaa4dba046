import type { AccountId } from '../store/types.ts';
import { FILTERS_SCRIPT, filterProblem, filterScript, readFilterRules, type FilterRule } from './filter-rules-script.ts';
import { ScriptError, type ScriptService } from './script-service.ts';
import { setVacation } from './vacation.ts';
import { includedScript, readVacation, VACATION_SCRIPT } from './vacation-script.ts';

export interface FilterState {
  rules: FilterRule[];
  /** The user's own script that runs after the rules (or that is active again once there are none). */
  userScript: string | null;
}

/** The scripts as they stand: ours (with their text) and the user's own script that ours chain to. */
async function survey(scripts: ScriptService, account: AccountId) {
  const list = await scripts.list(account);
  const names = new Set(list.map((s) => s.name));
  const active = list.find((s) => s.active)?.name ?? null;
  const filters = names.has(FILTERS_SCRIPT) ? await scripts.get(account, FILTERS_SCRIPT) : null;
  const vacation = names.has(VACATION_SCRIPT) ? await scripts.get(account, VACATION_SCRIPT) : null;
  // A script of that name uploaded over ManageSieve is the user's: never rewritten from the page.
  if (filters !== null && readFilterRules(filters) === null) {
    throw new ScriptError('ALREADYEXISTS', `you have your own script named ${FILTERS_SCRIPT}; rename it (ManageSieve) to use the rules on this page`);
  }
  const vacationIncludes = vacation === null ? null : includedScript(vacation);
  const ours = (name: string | null) => name === FILTERS_SCRIPT || name === VACATION_SCRIPT;
  const candidate = active !== null && !ours(active) ? active : (filters === null ? null : includedScript(filters)) ?? (ours(vacationIncludes) ? null : vacationIncludes);
  return {
    active,
    filters,
    vacation: active === VACATION_SCRIPT && vacation !== null ? readVacation(vacation) : null,
    vacationIncludesFilters: vacationIncludes === FILTERS_SCRIPT,
    userScript: candidate !== null && names.has(candidate) ? candidate : null,
  };
}

export async function filterRules(scripts: ScriptService, account: AccountId): Promise<FilterState> {
  const s = await survey(scripts, account);
  return { rules: s.filters === null ? [] : readFilterRules(s.filters)!, userScript: s.userScript };
}

/**
 * Writes the rules as the generated script, which includes the user's own active script, and
 * makes it run: active, or included by an active vacation script (so both run). No rules
 * removes it and activates what it included again.
 */
export async function setFilterRules(scripts: ScriptService, account: AccountId, rules: FilterRule[]): Promise<FilterState> {
  const problem = filterProblem(rules);
  if (problem) throw new ScriptError('INVALID-SCRIPT', problem);
  const s = await survey(scripts, account);
  if (rules.length === 0) {
    if (s.filters === null) return { rules, userScript: s.userScript };
    if (s.active === FILTERS_SCRIPT || s.vacation) await scripts.activate(account, s.userScript);
    await scripts.delete(account, FILTERS_SCRIPT);
  } else {
    const script = filterScript({ rules, ...(s.userScript ? { include: s.userScript } : {}) });
    await scripts.put(account, FILTERS_SCRIPT, Buffer.from(script, 'utf8'));
    await scripts.activate(account, FILTERS_SCRIPT);
  }
  // Vacation includes whatever is active when it is written: now the rules, or the user's script.
  if (s.vacation && (rules.length > 0) !== s.vacationIncludesFilters) await setVacation(scripts, account, s.vacation);
  else if (s.vacation) await scripts.activate(account, VACATION_SCRIPT);
  return { rules, userScript: s.userScript };
}
