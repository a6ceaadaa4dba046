/** An IMAP protocol value: nested lists of byte-strings (latin1 JS strings, one char per byte, exactly the bytes Dovecot would send), numbers and NIL. */
export type ImapValue = string | number | null | ImapValue[];

/** [start, end) offsets into the raw message. */
export interface ByteRange { start: number; end: number }

export interface PartIndex {
  /** The part's header block, including the blank line ending it (empty range if none). */
  header: ByteRange;
  /** The part's body. */
  body: ByteRange;
  /** Lower-case media type, e.g. "text" and "plain". */
  type: string;
  subtype: string;
  /** Content-Transfer-Encoding, lower-case, "7bit" when absent. */
  encoding: string;
  charset?: string;
  /** Lines in the body (LF count), as IMAP reports them. */
  lines: number;
  /** Multipart children (IMAP part numbers 1, 2, ...). */
  parts?: PartIndex[];
  /** For message/rfc822: the encapsulated message's root part. */
  message?: PartIndex;
}

export interface AddressField {
  /** Decoded display form of the whole header, e.g. `Ann <a@x.org>, b@y.org`. */
  display: string;
  /** Mailboxes in order, groups flattened. */
  addresses: { name: string; address: string }[];
}

export interface SearchFields {
  /** Date: header as ms since the epoch, null when absent or unparsable. */
  date: number | null;
  /** Decoded Subject (Unicode), "" when absent. */
  subject: string;
  /** RFC 5256 base subject, for SORT SUBJECT and THREAD. */
  baseSubject: string;
  from: AddressField;
  to: AddressField;
  cc: AddressField;
  /** The rules the sort keys below were made by (SORT_KEYS); absent in records made before a group sorted by its name. */
  sortKeys?: number;
  /** RFC 5256 sort keys: the first mailbox's local part, or the name of a group that comes first ("" if none). */
  sortFrom: string;
  sortTo: string;
  sortCc: string;
  /** RFC 5957 DISPLAYFROM / DISPLAYTO: first mailbox's display name, else its address; a group's name. */
  displayFrom: string;
  displayTo: string;
  messageId: string | null;
  inReplyTo: string | null;
  /** Message-IDs from References: in order (for THREAD=REFERENCES). */
  references: string[];
}

export interface MessageIndex {
  /** The IMAP ENVELOPE list. */
  envelope: ImapValue;
  /** Extended BODYSTRUCTURE. */
  bodyStructure: ImapValue;
  /** Non-extended BODY. */
  body: ImapValue;
  /** Part tree with byte ranges, for BODY[1.2], BODY[1.2.MIME], HEADER.FIELDS, TEXT, BINARY. */
  root: PartIndex;
  /** Header data SEARCH and SORT need. */
  fields: SearchFields;
  /** Decoded Unicode text of the text/* parts for SEARCH TEXT/BODY, capped at TEXT_LIMIT. */
  text: string;
  /** RFC 8970 PREVIEW: up to 200 characters of the first text part. */
  preview: string;
}
