import { randomBytes } from 'node:crypto';
import { passwordRecord } from '../auth/password.ts';
import { ConfigError, type Config } from '../config/index.ts';
import { sandboxConflicts } from '../config/sandbox.ts';
import type { Logger } from '../log/logger.ts';
import type { Account, Directory, MailStore } from '../store/types.ts';
import { SandboxInbox } from './inbox.ts';

/** What sandbox mode runs on: the account every message lands in, its INBOX, and the API token. */
export interface Sandbox {
  account: Account;
  inbox: SandboxInbox;
  /** Clients not on this machine send it as `Authorization: Bearer TOKEN`. */
  token: string;
}

/**
 * The config as sandbox mode runs it: the outbound queue captures everything into the
 * sandbox account. Checked here too (not only when the file is read), so that no way of
 * starting a server turns the sandbox on beside a public listener or a smarthost.
 */
export function sandboxedConfig(config: Config): Config {
  if (!config.sandbox.enabled) return config;
  const problems = sandboxConflicts(config);
  if (problems.length > 0) throw new ConfigError(problems);
  return { ...config, queue: { ...config.queue, capture: config.sandbox.account } };
}

/** The sandbox account, made (with its domain) when missing; its password is the configured one at every start. */
async function sandboxAccount(store: Directory, address: string, password: string): Promise<Account> {
  const domain = address.slice(address.lastIndexOf('@') + 1);
  if (!(await store.getDomain(domain))) await store.addDomain(domain);
  const record = await passwordRecord(password);
  if (await store.getAccount(address)) return store.updateAccount(address, record);
  return store.addAccount({ address, ...record, quotaBytes: 0, quotaMessages: 0 });
}

/** Starts sandbox mode, loudly: nobody should run it by accident where real mail is expected. */
export async function startSandbox(config: Config, store: Directory & MailStore, log: Logger): Promise<Sandbox> {
  const { account: address, password, api_token } = config.sandbox;
  const account = await sandboxAccount(store, address, password);
  const inboxBox = await store.getMailbox(account.id, 'INBOX');
  if (!inboxBox) throw new Error(`the sandbox account ${address} has no INBOX`);
  const token = api_token ?? randomBytes(24).toString('base64url');
  log.warn(
    { account: address, imapLogin: address, api: '/sandbox/api/', ...(api_token ? {} : { apiToken: token }) },
    'SANDBOX MODE: submission accepts ANY login and sender, NOTHING is sent out; every message is captured into the sandbox inbox at /sandbox/. Never run this as your real mail server.',
  );
  return { account, inbox: new SandboxInbox(store, inboxBox.id), token };
}
