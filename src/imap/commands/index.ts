import type { ImapCommand } from '../command.ts';
import append from './append.ts';
import authenticate from './authenticate.ts';
import cancelupdate from './cancelupdate.ts';
import capability from './capability.ts';
import check from './check.ts';
import close from './close.ts';
import compress from './compress.ts';
import copy, { uidCopy } from './copy.ts';
import create from './create.ts';
import del from './delete.ts';
import enable from './enable.ts';
import esearch from './esearch.ts';
import examine from './examine.ts';
import expunge from './expunge.ts';
import fetch, { uidFetch } from './fetch.ts';
import getmetadata from './getmetadata.ts';
import getquota from './getquota.ts';
import getquotaroot from './getquotaroot.ts';
import id from './id.ts';
import idle from './idle.ts';
import list from './list.ts';
import login from './login.ts';
import logout from './logout.ts';
import lsub from './lsub.ts';
import move, { uidMove } from './move.ts';
import namespace from './namespace.ts';
import noop from './noop.ts';
import notify from './notify.ts';
import rename from './rename.ts';
import replace, { uidReplace } from './replace.ts';
import search, { uidSearch } from './search.ts';
import select from './select.ts';
import sort, { uidSort } from './sort.ts';
import setmetadata from './setmetadata.ts';
import setquota from './setquota.ts';
import starttls from './starttls.ts';
import status from './status.ts';
import store, { uidStore } from './store.ts';
import subscribe from './subscribe.ts';
import thread, { uidThread } from './thread.ts';
import uidExpunge from './uid-expunge.ts';
import uidbatches from './uidbatches.ts';
import unselect from './unselect.ts';
import unsubscribe from './unsubscribe.ts';

/** Every command by name; the UID forms under `UID <name>`. */
export const COMMANDS = new Map<string, ImapCommand>([
  ['APPEND', append],
  ['AUTHENTICATE', authenticate],
  ['CANCELUPDATE', cancelupdate],
  ['CAPABILITY', capability],
  ['CHECK', check],
  ['CLOSE', close],
  ['COMPRESS', compress],
  ['COPY', copy],
  ['CREATE', create],
  ['DELETE', del],
  ['ENABLE', enable],
  ['ESEARCH', esearch],
  ['EXAMINE', examine],
  ['EXPUNGE', expunge],
  ['FETCH', fetch],
  ['GETMETADATA', getmetadata],
  ['GETQUOTA', getquota],
  ['GETQUOTAROOT', getquotaroot],
  ['ID', id],
  ['IDLE', idle],
  ['LIST', list],
  ['LOGIN', login],
  ['LOGOUT', logout],
  ['LSUB', lsub],
  ['MOVE', move],
  ['NAMESPACE', namespace],
  ['NOOP', noop],
  ['NOTIFY', notify],
  ['RENAME', rename],
  ['REPLACE', replace],
  ['SEARCH', search],
  ['SELECT', select],
  ['SORT', sort],
  ['SETMETADATA', setmetadata],
  ['SETQUOTA', setquota],
  ['STARTTLS', starttls],
  ['STATUS', status],
  ['STORE', store],
  ['SUBSCRIBE', subscribe],
  ['THREAD', thread],
  ['UIDBATCHES', uidbatches],
  ['UNSELECT', unselect],
  ['UNSUBSCRIBE', unsubscribe],
  ['UID COPY', uidCopy],
  ['UID EXPUNGE', uidExpunge],
  ['UID FETCH', uidFetch],
  ['UID MOVE', uidMove],
  ['UID REPLACE', uidReplace],
  ['UID SEARCH', uidSearch],
  ['UID SORT', uidSort],
  ['UID STORE', uidStore],
  ['UID THREAD', uidThread],
]);
