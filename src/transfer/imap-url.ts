export interface ImapUrl {
  secure: boolean;
  user: string;
  host: string;
  port: number;
}

/** `imaps://user@host[:port]` or `imap://...` (STARTTLS when the server offers it); the user may be %-encoded. */
export function parseImapUrl(source: string): ImapUrl | null {
  let url: URL;
  try {
    url = new URL(source);
  } catch {
    return null;
  }
  if (url.protocol !== 'imaps:' && url.protocol !== 'imap:') return null;
  if (!url.username || !url.hostname || url.password) throw new Error('an IMAP source is imaps://USER@HOST[:PORT], without a password (it is asked for, or read with --password-stdin)');
  const secure = url.protocol === 'imaps:';
  return { secure, user: decodeURIComponent(url.username), host: url.hostname.replace(/^\[|\]$/g, ''), port: url.port ? Number(url.port) : secure ? 993 : 143 };
}
