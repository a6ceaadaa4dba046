import type { Profile } from '../../config/index.ts';
import type { InitAnswers } from './answers.ts';

/** What `mailfold init` prints when it is done: what it made, and what a person does next. */
export function nextSteps(p: Omit<InitAnswers, 'password'> & { configFile: string; dataDir: string; profile: Profile }): string {
  const serve = p.profile === 'system' ? 'sudo systemctl start mailfold   (or: mailfold serve)' : 'npm start   (or: npx mailfold serve)';
  return `Mailfold is set up.
  config file:  ${p.configFile}
  data dir:     ${p.dataDir}
  domain:       ${p.domain}
  account:      ${p.address}
  DKIM keys:    Ed25519 and RSA for ${p.domain} (mail you send is signed)
  certificate:  self-signed for ${p.hostname} (replaced by a trusted one once ACME is configured)

Next steps:
  1. Start the server:  ${serve}
  2. Publish the DNS records for ${p.domain} printed below (MX, A/AAAA, SPF, DKIM,
     DMARC, MTA-STS, SRV); docs/install-raspberry-pi.md explains each.
  3. Forward ports 25, 465, 587, 993 and 143 from your router to this machine.
  4. In your mail app, sign in as ${p.address}: IMAP ${p.hostname} port 993 (SSL/TLS),
     SMTP ${p.hostname} port 465 (SSL/TLS) or 587 (STARTTLS), user name ${p.address}.
  5. Check it:  mailfold status
`;
}
