import type { AdminService } from '../admin/service.ts';
import type { LoginStore } from '../auth/login.ts';
import type { AuthThrottle } from '../auth/throttle.ts';
import type { VerifiedLogins } from '../auth/verified-logins.ts';
import type { Config } from '../config/index.ts';
import type { Reply } from '../http/routes.ts';
import type { Logger } from '../log/logger.ts';
import type { MailService } from '../net/services.ts';
import type { Sandbox } from '../sandbox/mode.ts';
import type { Account } from '../store/types.ts';
import type { Form } from './form.ts';
import type { WebRequest } from './request.ts';
import type { SessionStore, WebSession } from './session.ts';

/** What the web interface is built from: every change goes through the CLI's AdminService. */
export interface WebContext {
  admin: AdminService;
  /** Reads only: the session's account, and the login check. */
  store: LoginStore;
  throttle: AuthThrottle;
  verified: VerifiedLogins;
  sessions: SessionStore;
  log: Logger;
  /** The mail host name clients connect to. */
  hostname: string;
  services: MailService[];
  /** What `mailfold dns` prints the records from. */
  dns: Pick<Config, 'hostname' | 'listeners' | 'mta_sts' | 'dns' | 'smtp'>;
  /** Sandbox mode: the inbox under /sandbox/ (its own access rule: loopback or the API token). */
  sandbox?: Sandbox;
  /** With `[web] enabled = false` in sandbox mode: /admin/ and /account/ stay off (404). */
  sandboxOnly?: boolean;
}

/** One request to a page, by a logged-in account; `form` is empty for a GET. */
export interface PageCall {
  ctx: WebContext;
  req: WebRequest;
  session: WebSession;
  account: Account;
  form: Form;
}

export interface WebRoute {
  method: 'GET' | 'POST';
  path: string;
  /** admin: only accounts with the admin role; user: any logged-in account. */
  role: 'user' | 'admin';
  run(call: PageCall): Promise<Reply> | Reply;
}
