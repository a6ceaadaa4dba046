import type { AdminService } from './service.ts';

/**
 * The control socket speaks one request per connection: a JSON line
 * `{"method", "params", "bodyLength"}`, then `bodyLength` raw bytes (a message for
 * `deliver`), answered by one JSON line `{"ok":true,"result"}` or
 * `{"ok":false,"error":{"code","message"}}`. A streaming job (the records of a backup)
 * sends `{"chunk":N}` lines, each followed by N bytes, before that answer; the client
 * reads them as fast as it can take them, and closing the connection stops the job.
 */
export interface ControlRequest {
  method: AdminMethod;
  params: unknown;
  bodyLength?: number;
}

/** What a streaming admin job gets besides its parameters: where its stream goes, and when to stop. */
export interface CallContext {
  /** Hands one chunk to the caller; resolves when the caller can take another. */
  send?: (chunk: Buffer) => Promise<void>;
  signal?: AbortSignal;
}

export type ControlResponse = { ok: true; result: unknown } | { ok: false; error: { code: string; message: string } };

export type AdminMethod = {
  [K in keyof AdminService]: AdminService[K] extends (...args: never[]) => Promise<unknown> ? K : never;
}[keyof AdminService];

/** The admin operations, callable the same way locally or over the socket. */
export type AdminApi = Pick<AdminService, AdminMethod>;

export const ADMIN_METHODS: readonly AdminMethod[] = [
  'domainAdd', 'domainList', 'domainRemove',
  'userAdd', 'userList', 'userShow', 'userPasswd', 'userDisable', 'userEnable', 'userRemove', 'userQuota', 'userAdmin',
  'appPasswordAdd', 'appPasswordList', 'appPasswordRemove', 'securityEvents',
  'aliasAdd', 'aliasList', 'aliasRemove',
  'mailboxList', 'deliver', 'storeCheck', 'status',
  'certStatus', 'certRenew', 'certImport',
  'queueList', 'queueShow', 'queueRetry', 'queueDelete', 'queueFlush', 'queueHold', 'queueRelease',
  'dkimGenerate', 'dkimShow', 'dkimRemove',
  'backupRecords',
  'importMailbox', 'importSeen', 'importWrite', 'exportMailboxes', 'exportList', 'exportRead',
  'sieveList', 'sieveShow', 'sievePut', 'sieveActivate', 'sieveDelete', 'sieveCheck', 'vacation',
  'spamTrain', 'spamStatus', 'spamForget', 'spamSetList', 'spamLists',
  'reportsSend',
];

export const CONTROL_SOCKET = 'control.sock';
/** A request line is small JSON; anything longer is not a client of ours. */
export const MAX_REQUEST_LINE = 64 * 1024;
