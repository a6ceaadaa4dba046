import { Notifier } from '../notifier.ts';
import { parseNotify, SUPPORTED_EVENTS, unsupportedEvents } from '../notify-spec.ts';
import { command, no, ok } from '../command.ts';

/**
 * RFC 5465: `NOTIFY NONE` ends the reports, `NOTIFY SET [STATUS] groups...`
 * replaces them. Events this server does not report are refused whole with
 * [BADEVENT (the ones it does)] and the previous setting stays (RFC 5465 3).
 */
export default command({
  states: ['authenticated', 'selected'],
  parse: parseNotify,
  async run(session, spec) {
    if (spec.type === 'set') {
      const unsupported = unsupportedEvents(spec);
      if (unsupported.length > 0) {
        session.log.info({ ip: session.ip, user: session.account?.address, reason: 'notify-badevent', events: unsupported }, 'NOTIFY refused');
        return no(`Not supported: ${unsupported.join(' ')}`, `BADEVENT (${SUPPORTED_EVENTS.join(' ')})`);
      }
    }
    session.notifier?.close();
    session.notifier = null;
    if (spec.type === 'none') return ok('NOTIFY completed');
    session.notifier = await Notifier.start(session, spec.groups, spec.status);
    return ok('NOTIFY completed');
  },
});
