import type { AccountId } from '../store/types.ts';
import { ScriptError, type ScriptService } from './script-service.ts';
import { includedScript, VACATION_SCRIPT, vacationProblem, vacationScript, type VacationSettings } from './vacation-script.ts';

export interface VacationState {
  on: boolean;
  /** The user's script that runs as well (while on), or that is active again (once off). */
  userScript: string | null;
}

/**
 * Turns the out-of-office reply on (writes and activates the generated script, which
 * includes the script that was active) or off (activates that script again and
 * removes the generated one). Turning it on again replaces the settings.
 */
export async function setVacation(scripts: ScriptService, account: AccountId, settings: Omit<VacationSettings, 'include'> | null): Promise<VacationState> {
  const list = await scripts.list(account);
  const active = list.find((s) => s.active)?.name ?? null;
  const existing = list.some((s) => s.name === VACATION_SCRIPT) ? await scripts.get(account, VACATION_SCRIPT) : null;
  const included = existing === null ? null : includedScript(existing);
  // The user's script is the one active now, unless that is ours: then the one ours includes.
  const candidate = active !== null && active !== VACATION_SCRIPT ? active : included;
  const userScript = candidate !== null && list.some((s) => s.name === candidate) ? candidate : null;
  if (settings === null) {
    if (active === VACATION_SCRIPT) await scripts.activate(account, userScript);
    if (existing !== null) await scripts.delete(account, VACATION_SCRIPT);
    return { on: false, userScript: active === VACATION_SCRIPT ? userScript : active };
  }
  const full: VacationSettings = { ...settings, ...(userScript ? { include: userScript } : {}) };
  const problem = vacationProblem(full);
  if (problem) throw new ScriptError('INVALID-SCRIPT', problem);
  await scripts.put(account, VACATION_SCRIPT, Buffer.from(vacationScript(full), 'utf8'));
  await scripts.activate(account, VACATION_SCRIPT);
  return { on: true, userScript };
}
