/** Records are JSON; chunks are stored as the raw bytes they are. */
export const encode = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));

export const decode = <T>(buf: Buffer): T => JSON.parse(buf.toString('utf8')) as T;
