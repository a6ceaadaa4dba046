import type { Pop3Command } from '../session.ts';
import { auth } from './auth.ts';
import { capa } from './capa.ts';
import { dele } from './dele.ts';
import { list } from './list.ts';
import { noop } from './noop.ts';
import { pass } from './pass.ts';
import { quit } from './quit.ts';
import { retr } from './retr.ts';
import { rset } from './rset.ts';
import { stat } from './stat.ts';
import { stls } from './stls.ts';
import { top } from './top.ts';
import { uidl } from './uidl.ts';
import { user } from './user.ts';

export const COMMANDS: ReadonlyMap<string, Pop3Command> = new Map(
  Object.entries({ AUTH: auth, CAPA: capa, DELE: dele, LIST: list, NOOP: noop, PASS: pass, QUIT: quit, RETR: retr, RSET: rset, STAT: stat, STLS: stls, TOP: top, UIDL: uidl, USER: user }),
);
