import { randomInt } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { connect, isIP } from 'node:net';
import { isLoopback } from './loopback.ts';
import { decodeReply, encodeQuery, DnsWireError, RCODE, RRTYPE, type DnsRecord, type DnsReply, type RrType } from './dns-wire.ts';

/** What the validating resolver said: its rcode, whether it vouched for the answer (AD), and the records. */
export interface ValidatedAnswer {
  rcode: number;
  secure: boolean;
  records: DnsRecord[];
}

export interface ValidatingResolver {
  query(name: string, type: RrType): Promise<ValidatedAnswer>;
  /** Where it sends its questions, "ip:port". */
  readonly server: string;
  /** Ends every lookup in flight (they fail with ECANCELLED), for a prompt shutdown. */
  cancel(): void;
}

export interface ValidatingOptions {
  /** "ip", "ip:port" or "[v6]:port" (a [smtp.dane] resolver). */
  server: string;
  /** Per try over UDP, and for the whole TCP exchange. */
  timeoutMs?: number;
  tries?: number;
}

/** The largest TCP reply taken (its length prefix allows 65,535). */
const MAX_TCP = 65_535;

const failure = (message: string, code: string) => Object.assign(new Error(message), { code });

/** "ip:port" (or "[v6]:port", or an address alone, port 53) as host and port. */
export function parseServer(server: string): { host: string; port: number } {
  const match = /^\[([^\]]+)\]:(\d+)$/.exec(server) ?? /^([^:]+):(\d+)$/.exec(server);
  return match ? { host: match[1]!, port: Number(match[2]) } : { host: server, port: 53 };
}

/**
 * Whether the AD bit from this resolver can be believed: only when the path to it cannot
 * be tampered with, which on a host means loopback (RFC 6698 section 4.1 and Postfix's
 * TLS_README: "the resolver ... should be on the same host").
 */
export function trustedPath(server: string): boolean {
  return isLoopback(parseServer(server).host);
}

/** True when `reply` answers `query`: same id, the same question (names compare without case). */
function answers(reply: DnsReply, id: number, name: string, type: number): boolean {
  return reply.id === id && reply.question !== null && reply.question.type === type && reply.question.name === name.toLowerCase().replace(/\.$/, '');
}

/**
 * A stub client of one DNSSEC-validating resolver (unbound, a local BIND) that keeps
 * the AD bit. Over UDP from a fresh random port with a random id; a reply from another
 * address or port, with another id or question, or that does not parse is dropped (it
 * may be a spoofing attempt) and the wait goes on. A truncated reply is asked again over
 * TCP. Each UDP try waits `timeoutMs`; after `tries` the lookup fails with ETIMEOUT.
 */
export function createValidatingResolver(opts: ValidatingOptions): ValidatingResolver {
  const { host, port } = parseServer(opts.server);
  const family = isIP(host);
  if (family === 0) throw new Error(`not an IP address: ${opts.server}`);
  const timeoutMs = opts.timeoutMs ?? 3000;
  const tries = opts.tries ?? 2;
  const inFlight = new Set<() => void>();

  function overUdp(query: Buffer, id: number, name: string, type: RrType): Promise<DnsReply> {
    return new Promise<DnsReply>((resolve, reject) => {
      const socket = createSocket(family === 6 ? 'udp6' : 'udp4');
      let left = tries;
      let timer: NodeJS.Timeout | undefined;
      let done = false;
      const finish = (err: Error | null, reply?: DnsReply) => {
        // A late socket error after the answer must not close the socket twice.
        if (done) return;
        done = true;
        clearTimeout(timer);
        inFlight.delete(cancel);
        socket.close();
        if (err) reject(err);
        else resolve(reply!);
      };
      const cancel = () => finish(failure(`lookup of ${type} ${name} cancelled`, 'ECANCELLED'));
      inFlight.add(cancel);
      const send = () => {
        if (left-- <= 0) return finish(failure(`no answer from ${opts.server} for ${type} ${name}`, 'ETIMEOUT'));
        socket.send(query, port, host);
        timer = setTimeout(send, timeoutMs);
      };
      socket.on('error', (err) => finish(err));
      socket.on('message', (msg, from) => {
        if (from.address !== host || from.port !== port) return;
        let reply: DnsReply;
        try {
          reply = decodeReply(msg);
        } catch {
          // Garbage on our port is dropped like a spoofed reply.
          return;
        }
        if (answers(reply, id, name, RRTYPE[type])) finish(null, reply);
      });
      socket.bind(0, send);
    });
  }

  function overTcp(query: Buffer, id: number, name: string, type: RrType): Promise<DnsReply> {
    return new Promise<DnsReply>((resolve, reject) => {
      const socket = connect({ host, port });
      const chunks: Buffer[] = [];
      let size = 0;
      const finish = (err: Error | null, reply?: DnsReply) => {
        clearTimeout(timer);
        inFlight.delete(cancel);
        socket.destroy();
        if (err) reject(err);
        else resolve(reply!);
      };
      const cancel = () => finish(failure(`lookup of ${type} ${name} cancelled`, 'ECANCELLED'));
      inFlight.add(cancel);
      const timer = setTimeout(() => finish(failure(`no answer over TCP from ${opts.server} for ${type} ${name}`, 'ETIMEOUT')), timeoutMs);
      socket.on('error', (err) => finish(err));
      socket.on('connect', () => {
        const length = Buffer.alloc(2);
        length.writeUInt16BE(query.length);
        socket.write(Buffer.concat([length, query]));
      });
      socket.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        size += chunk.length;
        if (size > MAX_TCP + 2) return finish(failure(`reply over TCP from ${opts.server} too long`, 'EBADRESP'));
        const all = Buffer.concat(chunks);
        if (all.length < 2 || all.length < 2 + all.readUInt16BE(0)) return;
        try {
          const reply = decodeReply(all.subarray(2, 2 + all.readUInt16BE(0)));
          if (!answers(reply, id, name, RRTYPE[type])) return finish(failure(`reply over TCP from ${opts.server} answers another question`, 'EBADRESP'));
          finish(null, reply);
        } catch (err) {
          finish(err instanceof DnsWireError ? failure(`bad reply from ${opts.server}: ${err.message}`, 'EBADRESP') : (err as Error));
        }
      });
      socket.on('end', () => finish(failure(`${opts.server} closed the TCP connection without an answer`, 'EBADRESP')));
    });
  }

  return {
    server: opts.server,
    async query(name, type) {
      const id = randomInt(0x10000);
      const query = encodeQuery(id, name, type);
      let reply = await overUdp(query, id, name, type);
      if (reply.truncated) reply = await overTcp(query, id, name, type);
      return { rcode: reply.rcode, secure: reply.authenticated, records: reply.answers };
    },
    cancel() {
      for (const cancel of [...inFlight]) cancel();
    },
  };
}

/** An rcode as the error code Node's resolver would give, so that callers treat both alike. */
export function rcodeError(rcode: number, name: string, type: string): Error {
  const code = rcode === RCODE.NXDOMAIN ? 'ENOTFOUND' : rcode === RCODE.SERVFAIL ? 'ESERVFAIL' : rcode === RCODE.REFUSED ? 'EREFUSED' : 'EBADRESP';
  return failure(`${type} ${name}: ${code}`, code);
}
