import type { SieveScript } from './ast.ts';
import type { PendingMark, SieveAction } from './actions.ts';
import { coreCommands, coreTests } from './core.ts';
import type { SieveRunEnvironment } from './environment.ts';
import { SieveRuntimeError } from './errors.ts';
import { bodyTests } from './ext-body.ts';
import { dateTests } from './ext-date.ts';
import { duplicateTests } from './ext-duplicate.ts';
import { editheaderCommands } from './ext-editheader.ts';
import { notifyCommands, notifyTests } from './ext-enotify.ts';
import { flagCommands, flagTests } from './ext-imap4flags.ts';
import { includeCommands } from './ext-include.ts';
import { mailboxTests } from './ext-mailbox.ts';
import { spamTests } from './ext-spamtest.ts';
import { vacationCommands } from './ext-vacation.ts';
import { variableCommands, variableTests } from './ext-variables.ts';
import type { SieveLimits } from './limits.ts';
import type { SieveMessage } from './message.ts';
import { ScriptRun, StopSignal, type RunState } from './run.ts';

const commands = {
  ...coreCommands,
  ...variableCommands,
  ...flagCommands,
  ...editheaderCommands,
  ...includeCommands,
  ...vacationCommands,
  ...notifyCommands,
};
const tests = { ...coreTests, ...variableTests, ...flagTests, ...bodyTests, ...dateTests, ...spamTests, ...duplicateTests, ...mailboxTests, ...notifyTests };

/** What a script decided for one message; the implicit keep is already among the actions. */
export interface SieveResult {
  actions: SieveAction[];
  marks: PendingMark[];
}

/**
 * Runs a parsed script over a message. Nothing is done here: the actions come back
 * for the caller to carry out, or a SieveRuntimeError when the script failed (the
 * caller then keeps the message, RFC 5228 2.10.6).
 */
export async function interpret(script: SieveScript, message: SieveMessage, env: SieveRunEnvironment, limits: SieveLimits): Promise<SieveResult> {
  const state: RunState = {
    env,
    message,
    limits,
    actions: [],
    marks: [],
    flags: [],
    implicitKeep: true,
    vacationSeen: false,
    globals: new Map(),
    steps: 0,
    deadline: Date.now() + limits.maxRunMs,
    includeDepth: 0,
    included: new Set(),
    commands,
    tests,
  };
  try {
    await new ScriptRun(state, script).run();
  } catch (err) {
    if (!(err instanceof StopSignal)) throw err;
  }
  if (Date.now() > state.deadline) throw new SieveRuntimeError(`the script ran longer than ${limits.maxRunMs} ms`);
  const actions = state.actions;
  if (state.implicitKeep) actions.push({ type: 'keep', flags: [...state.flags] });
  // RFC 5429 2.1/2.2: a rejected message is not also kept or filed.
  if (actions.some((a) => a.type === 'reject') && actions.some((a) => a.type === 'keep' || a.type === 'fileinto')) {
    throw new SieveRuntimeError('reject cannot be combined with keep or fileinto');
  }
  if (actions.filter((a) => a.type === 'reject').length > 1) throw new SieveRuntimeError('more than one reject');
  return { actions, marks: state.marks };
}
