import { command, no } from '../command.ts';

/**
 * RFC 9208 4.1: quotas are an administrator's decision (`mailfold user quota`),
 * so a well-formed SETQUOTA is refused; QUOTASET is not advertised.
 */
export default command({
  states: ['authenticated', 'selected'],
  parse(p) {
    p.sp();
    p.astring();
    p.sp();
    p.list(() => {
      p.atom();
      p.sp();
      p.modSeq();
    });
    p.end();
  },
  run: async () => no('Quotas are set by the administrator', 'NOPERM'),
});
