/**
 * The header data SORT and THREAD compare. A record stored before a group sorted by
 * its name (fields.sortKeys older than SORT_KEYS) has its keys made again from the
 * message's header block when first used; `mailfold store check --repair` rewrites it.
 */
import { searchFieldsOfHeader, SORT_KEYS } from '../mime/fields.ts';
import type { SearchFields } from '../mime/types.ts';
import type { BlobMeta, MailStore, MessageMeta } from '../store/types.ts';

export async function currentFields(store: MailStore, meta: MessageMeta, blob: BlobMeta): Promise<SearchFields> {
  const fields = blob.index.fields;
  if (fields.sortKeys === SORT_KEYS) return fields;
  const prefix = Buffer.byteLength(meta.prefix);
  const parts: Buffer[] = [];
  for await (const chunk of store.readMessage(meta, prefix, prefix + blob.index.root.header.end)) parts.push(chunk);
  return searchFieldsOfHeader(Buffer.concat(parts));
}
