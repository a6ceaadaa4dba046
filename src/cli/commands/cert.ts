import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { CertificateStatus } from '../../tls/manager.ts';
import { CliError, output, withAdmin } from '../context.ts';

const when = (ms: number | undefined) => (ms === undefined ? '-' : new Date(ms).toISOString());

function describeStatus(s: CertificateStatus): string {
  const lines = [
    `hostname:     ${s.hostname}`,
    `source:       ${s.source}${s.files ? ` (${s.files.cert}, ${s.files.key})` : ''}`,
    `names:        ${s.names.join(', ')}`,
    `issuer:       ${s.issuer}`,
    `valid:        ${s.notBefore} to ${s.notAfter}`,
    `sha256:       ${s.fingerprint256}`,
  ];
  if (s.acme) {
    const a = s.acme;
    lines.push(
      ...(a.directory ? [`acme:         ${a.directory} (${a.challenge})`, `acme names:   ${a.names?.join(', ')}`] : []),
      `renew at:     ${when(a.renewAt)}${a.renewalWindow ? ` (the CA's window: ${when(a.renewalWindow.start)} to ${when(a.renewalWindow.end)})` : ''}`,
      `last attempt: ${when(a.lastAttemptAt)}`,
      `last success: ${when(a.lastSuccessAt)}`,
      `failures:     ${a.failures}${a.lastError ? ` (last: ${a.lastError})` : ''}`,
      `next attempt: ${when(a.nextAttemptAt)}`,
    );
  }
  return lines.join('\n');
}

function readPem(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new CliError(`cannot read the ${what} ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

export function certCommands(program: Command): void {
  const cert = program.command('cert').description('the TLS certificate every listener serves');
  cert
    .command('status')
    .description('the served certificate, and the state of ACME renewals')
    .action(async (_opts, cmd: Command) => {
      const result = await withAdmin(cmd, (admin) => admin.certStatus());
      output(cmd, result, () => describeStatus(result));
    });
  cert
    .command('renew')
    .description('order a new ACME certificate now (needs the running server)')
    .action(async (_opts, cmd: Command) => {
      const result = await withAdmin(cmd, (admin) => admin.certRenew());
      output(cmd, result, () => `renewed\n${describeStatus(result)}`);
    });
  cert
    .command('import <cert-file> <key-file>')
    .description('serve a PEM certificate (leaf first, then the chain) and its key')
    .action(async (certFile: string, keyFile: string, _opts, cmd: Command) => {
      const certPem = readPem(certFile, 'certificate');
      const keyPem = readPem(keyFile, 'key');
      const result = await withAdmin(cmd, (admin) => admin.certImport({ certPem, keyPem }));
      output(cmd, result, () => `imported\n${describeStatus(result)}`);
    });
}
