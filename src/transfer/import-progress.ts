/**
 * Progress of an import or export: on a terminal one line rewritten in place
 * (messages, bytes, rate, time left when the total is known); otherwise a plain line
 * (or a JSON object with --json) every PLAIN_EVERY messages and at the end.
 */
export interface ImportProgress {
  start(total?: number): void;
  tick(messages: number, bytes: number): void;
  done(): void;
}

const PLAIN_EVERY = 1000;
const REDRAW_MS = 200;

export function importProgress(opts: { json: boolean; out?: NodeJS.WriteStream; verb: string }): ImportProgress {
  const out = opts.out ?? process.stderr;
  const tty = out.isTTY === true && !opts.json;
  let total: number | undefined;
  let messages = 0;
  let bytes = 0;
  let began = Date.now();
  let lastDraw = 0;
  let lastPlain = 0;
  const figures = () => {
    const seconds = Math.max((Date.now() - began) / 1000, 0.001);
    const rate = messages / seconds;
    const left = total !== undefined && rate > 0 ? Math.max(total - messages, 0) / rate : undefined;
    return { messages, total, bytes, seconds, rate, left };
  };
  const line = () => {
    const f = figures();
    const of = f.total !== undefined ? `/${f.total}` : '';
    const left = f.left !== undefined ? `, about ${Math.ceil(f.left)} s left` : '';
    return `${opts.verb} ${f.messages}${of} messages, ${(f.bytes / 1e6).toFixed(1)} MB, ${f.rate.toFixed(0)} messages/s${left}`;
  };
  const plain = () => out.write((opts.json ? JSON.stringify({ progress: opts.verb, ...figures() }) : line()) + '\n');
  return {
    start(n) {
      total = n;
      began = Date.now();
    },
    tick(m, b) {
      messages += m;
      bytes += b;
      if (tty) {
        if (Date.now() - lastDraw < REDRAW_MS) return;
        lastDraw = Date.now();
        out.write(`\r${line()}\x1b[K`);
      } else if (messages - lastPlain >= PLAIN_EVERY) {
        lastPlain = messages;
        plain();
      }
    },
    done() {
      if (tty) out.write(`\r${line()}\x1b[K\n`);
      else plain();
    },
  };
}
