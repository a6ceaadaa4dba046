import { dataTable } from '../components.ts';
import type { WebRoute } from '../context.ts';
import { html, raw } from '../html.ts';
import { page } from '../layout.ts';

/** The QR code encoder (with its PNG writer, about 110 modules) is loaded at the first setup page. */
let qrcode: Promise<typeof import('qrcode')> | null = null;

const PROTOCOL_NAMES = { imap: 'IMAP (incoming)', pop3: 'POP3 (incoming)', smtp: 'SMTP (outgoing)' } as const;

/** The host the browser reached us by when it is a plain host name (and port), for links a phone can open too. */
function publicBase(host: string | undefined, secure: boolean, fallback: string): string {
  return secure && host && /^[A-Za-z0-9.-]{1,253}(?::\d{1,5})?$/.test(host) ? `https://${host}` : `https://${fallback}`;
}

export const accountSetupRoutes: WebRoute[] = [
  {
    method: 'GET',
    path: '/account/setup',
    role: 'user',
    async run(call) {
      const { ctx, account, req } = call;
      const base = publicBase(req.headers.host, req.secure, ctx.hostname);
      const address = encodeURIComponent(account.address);
      const profile = `${base}/mail.mobileconfig?emailaddress=${address}`;
      // Drawn here as SVG markup: no script, no image request, nothing the CSP must allow.
      const QRCode = await (qrcode ??= import('qrcode'));
      const qr = await QRCode.toString(profile, { type: 'svg', margin: 1, errorCorrectionLevel: 'M' });
      const rows = ctx.services.map((s) => [PROTOCOL_NAMES[s.protocol], ctx.hostname, s.port, s.security === 'tls' ? 'SSL/TLS' : 'STARTTLS']);
      const body = html`<p>Most mail programs set themselves up from your address and password alone. If yours asks, use these settings;
the user name is your full address, the password your password or an <a href="/account/app-passwords">app password</a>.</p>
${dataTable('Server settings', ['Service', 'Server', 'Port', 'Security'], rows)}
<h2>iPhone, iPad and Mac</h2>
<p>Scan this code with the camera, or open the link on the device, then install the profile in Settings.</p>
<div class="qr" role="img" aria-label="QR code of the profile link">${raw(qr)}</div>
<p><a href="${profile}">${profile}</a></p>
<h2>Thunderbird and Outlook</h2>
<p>They find the settings themselves at <a href="${base}/mail/config-v1.1.xml?emailaddress=${address}">autoconfig</a>
and Autodiscover (<code>${base}/autodiscover/autodiscover.xml</code>).</p>`;
      return page(call, 'Set up a mail client', body);
    },
  },
];
