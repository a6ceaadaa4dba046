import type { Reply } from '../../http/routes.ts';

export const json = (status: number, value: unknown, headers: Record<string, string> = {}): Reply => ({
  status,
  type: 'application/json; charset=utf-8',
  body: JSON.stringify(value) + '\n',
  headers,
});

export const jsonError = (status: number, error: string): Reply => json(status, { error });

/** A message id (its UID) from a request, or null when it is not one. */
export function messageId(value: string | null | undefined): number | null {
  if (!value || !/^[1-9][0-9]{0,9}$/.test(value)) return null;
  const id = Number(value);
  return id <= 0xffffffff ? id : null;
}

/** A file name safe inside a Content-Disposition header. */
export const attachmentHeaders = (filename: string): Record<string, string> => {
  const ascii = filename.replace(/[^A-Za-z0-9._ -]/g, '_').slice(0, 100) || 'attachment';
  return { 'Content-Disposition': `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(filename.slice(0, 200))}` };
};
