import type { Config, ListenerName, Profile } from '../../config/index.ts';
import type { SendingHostReport } from '../../dns/check/sending-host.ts';
import type { InitAnswers } from './answers.ts';
import type { Invocation } from './invocation.ts';

export interface NextStepsInput extends Omit<InitAnswers, 'password'>, Invocation {
  configFile: string;
  dataDir: string;
  profile: Profile;
  listeners: Config['listeners'];
  /** The system profile's ports: what the router forwards from, whatever this machine listens on. */
  standardPorts: Record<ListenerName, number>;
  /** The network checks; undefined with --no-check. */
  host?: SendingHostReport;
}

const PORT_ROLES: [ListenerName, string][] = [
  ['smtp', 'SMTP: mail from other servers'],
  ['submissions', 'submission over TLS: your mail apps send'],
  ['submission', 'submission with STARTTLS'],
  ['imaps', 'IMAP over TLS: your mail apps read'],
  ['imap', 'IMAP with STARTTLS'],
  ['pop3s', 'POP3 over TLS'],
  ['pop3', 'POP3 with STLS'],
  ['http', 'HTTP: ACME certificates, autoconfig'],
  ['https', 'HTTPS: autoconfig, Autodiscover, MTA-STS'],
];

function ports(p: NextStepsInput): string {
  const rows = PORT_ROLES.filter(([name]) => p.listeners[name].enabled).map(([name, role]) => {
    const here = p.listeners[name].port;
    const outside = p.standardPorts[name];
    return `       ${String(outside).padEnd(4)} ${here === outside ? '         ' : `-> ${String(here).padEnd(5)} `} ${role}`;
  });
  return rows.join('\n');
}

function checks(p: NextStepsInput): string {
  if (!p.host) return '\nNetwork checks skipped (--no-check).\n';
  const mark = { ok: 'ok     ', problem: 'PROBLEM', unknown: 'unknown' } as const;
  const lines = p.host.checks.map((c) => `  ${mark[c.status]}  ${c.what}: ${c.detail}`);
  const verdict = p.host.smarthostReasons.length
    ? `A smarthost is needed to send mail: ${p.host.smarthostReasons.join('; ')}. Set [smtp.smarthost] in\n  ${p.configFile} (docs/deliverability.md, "Home connections need a smarthost");\n  receiving on port 25 can still work.`
    : 'Sending directly can work: no smarthost is needed.';
  return `\nChecks of this host, before it sends mail directly:\n${lines.join('\n')}\n  ${verdict}\n`;
}

/** What `mailfold init` prints when it is done: what it made, what it found, and what a person does next. */
export function nextSteps(p: NextStepsInput): string {
  const local = p.profile === 'dev' && Object.values(p.listeners).some((l) => l.enabled && l.address === '127.0.0.1');
  const reach = local
    ? `\n     This checkout listens on 127.0.0.1 only, on its dev ports (the router forwards port 25 to 2525 here):\n     set address = "::" under each [listeners.NAME] in ${p.configFile}, or install the packaged\n     executable for a server on the standard ports (docs/install-raspberry-pi.md).`
    : '';
  const imaps = p.listeners.imaps.port;
  const submissions = p.listeners.submissions.port;
  const submission = p.listeners.submission.port;
  return `Mailfold is set up.
  config file:  ${p.configFile}
  data dir:     ${p.dataDir}
  domain:       ${p.domain}
  account:      ${p.address}
  DKIM keys:    Ed25519 and RSA for ${p.domain} (mail you send is signed)
  certificate:  self-signed for ${p.hostname} (replaced by a trusted one once ACME is configured)
${checks(p)}
Next steps:
  1. Start the server:  ${p.serve}
  2. Publish the DNS records for ${p.domain} printed below (MX, A/AAAA, SPF, DKIM, DMARC,
     MTA-STS, TLS-RPT, SRV, autoconfig/autodiscover); docs/deliverability.md explains each.
  3. Forward these TCP ports from your router to this machine:
${ports(p)}${reach}
  4. Check what is published:  ${p.cli} dns check ${p.domain}
  5. In your mail app, sign in as ${p.address}: IMAP ${p.hostname} port ${imaps} (SSL/TLS),
     SMTP ${p.hostname} port ${submissions} (SSL/TLS) or ${submission} (STARTTLS), user name ${p.address}.
  6. Check the server:  ${p.cli} status
`;
}
