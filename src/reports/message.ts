import { rfc5322Date } from '../queue/dsn.ts';

/** A report ready to be mailed: its attachment already gzipped. */
export interface ReportMail {
  kind: 'dmarc' | 'tls';
  from: string;
  to: string[];
  /** The domain reported on, and ours (the submitter). */
  domain: string;
  submitter: string;
  reportId: string;
  fileName: string;
  gzip: Buffer;
  date: number;
  messageId: string;
  boundary: string;
}

/** Base64 in lines of 76 characters (RFC 2045 section 6.8). */
const base64Lines = (data: Buffer): string => (data.toString('base64').match(/.{1,76}/g) ?? []).join('\r\n');

const TEXT: Record<ReportMail['kind'], (m: ReportMail) => string> = {
  dmarc: (m) => `This is a DMARC aggregate report (RFC 7489) from ${m.submitter} for ${m.domain}.\r\n`,
  tls: (m) => `This is an SMTP TLS report (RFC 8460) from ${m.submitter} for ${m.domain}.\r\n`,
};

/**
 * The report as a message. DMARC (RFC 7489 section 7.2.1.1): multipart/mixed with the
 * XML as an application/gzip attachment. TLS-RPT (RFC 8460 section 5.3): multipart/report
 * of report-type tlsrpt with application/tlsrpt+gzip, and the TLS-Report-Domain and
 * TLS-Report-Submitter fields. Both name the report in the subject the same way.
 */
export function composeReportMail(m: ReportMail): Buffer {
  const type = m.kind === 'tls' ? 'application/tlsrpt+gzip' : 'application/gzip';
  const header = [
    `From: <${m.from}>`,
    `To: ${m.to.map((a) => `<${a}>`).join(', ')}`,
    `Subject: Report Domain: ${m.domain} Submitter: ${m.submitter} Report-ID: <${m.reportId}>`,
    `Date: ${rfc5322Date(m.date)}`,
    `Message-ID: <${m.messageId}>`,
    ...(m.kind === 'tls' ? [`TLS-Report-Domain: ${m.domain}`, `TLS-Report-Submitter: ${m.submitter}`] : []),
    'Auto-Submitted: auto-generated',
    'MIME-Version: 1.0',
    m.kind === 'tls'
      ? `Content-Type: multipart/report; report-type="tlsrpt"; boundary="${m.boundary}"`
      : `Content-Type: multipart/mixed; boundary="${m.boundary}"`,
  ].join('\r\n');
  return Buffer.from(
    `${header}\r\n\r\n` +
      `--${m.boundary}\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n${TEXT[m.kind](m)}\r\n` +
      `--${m.boundary}\r\nContent-Type: ${type}; name="${m.fileName}"\r\nContent-Transfer-Encoding: base64\r\n` +
      `Content-Disposition: attachment; filename="${m.fileName}"\r\n\r\n${base64Lines(m.gzip)}\r\n` +
      `--${m.boundary}--\r\n`,
  );
}
