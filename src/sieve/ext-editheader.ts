import libmime from 'libmime';
import { decodeHeaderText } from '../mime/decode.ts';
import { SieveRuntimeError } from './errors.ts';
import { pick } from './message.ts';
import type { CommandHandler } from './run.ts';

/** Fields a script may neither add nor delete: the trace and the auto-reply marker (RFC 5293 9, as Pigeonhole). */
const PROTECTED = new Set(['received', 'auto-submitted']);
const FIELD_NAME = /^[!-9;-~]{1,997}$/;
const MAX_VALUE = 8192;

/** RFC 5293: addheader and deleteheader, seen by the tests that follow and stored with the message. */
export const editheaderCommands: Record<string, CommandHandler> = {
  addheader: (run, c) => {
    const name = run.str(c.positional[0]);
    const value = run.str(c.positional[1]);
    if (!FIELD_NAME.test(name)) throw new SieveRuntimeError(`addheader: invalid field name ${JSON.stringify(name)}`);
    if (PROTECTED.has(name.toLowerCase())) return;
    if (value.length > MAX_VALUE || /[\r\n]/.test(value.replace(/\r\n[ \t]/g, ''))) throw new SieveRuntimeError('addheader: invalid field value');
    const encoded = /[^\x20-\x7e\t]/.test(value) ? libmime.encodeWords(value, 'Q', 52, 'utf-8') : value;
    run.message.addField(name, libmime.foldLines(`${name}: ${encoded}`, 76, true).slice(name.length + 2), c.tags.has('last'));
  },
  deleteheader: (run, c) => {
    const name = run.str(c.positional[0]);
    if (!FIELD_NAME.test(name)) throw new SieveRuntimeError(`deleteheader: invalid field name ${JSON.stringify(name)}`);
    if (PROTECTED.has(name.toLowerCase())) return;
    let fields = run.message.fields.filter((f) => f.name.toLowerCase() === name.toLowerCase());
    const index = run.index(c);
    if (index) fields = pick(fields, index);
    const patterns = c.positional[1];
    if (patterns) fields = fields.filter((f) => run.match(c, [decodeHeaderText(f.value)], run.list(patterns)));
    run.message.removeFields(fields);
  },
};
