import type { Command } from 'commander';
import { connectControl } from '../../admin/control-client.ts';
import { CONTROL_SOCKET } from '../../admin/protocol.ts';
import type { ServerStatus } from '../../admin/status.ts';
import { CliError, configFor, output } from '../context.ts';
import { formatBytes, formatUptime, table } from '../format.ts';

const describe = (s: ServerStatus): string =>
  [
    `mailfold ${s.version}, running for ${formatUptime(s.uptimeSeconds)} (pid ${s.pid}, since ${s.startedAt})`,
    `host name:    ${s.hostname}`,
    `config file:  ${s.configFile ?? '(none: defaults)'}`,
    `data dir:     ${s.dataDir} (${formatBytes(s.storeBytes)})`,
    `connections:  ${s.connections} open`,
    `queue:        ${s.queued} message${s.queued === 1 ? '' : 's'} to send`,
    `certificate:  ${s.certificate.source}, valid until ${s.certificate.notAfter}`,
    '',
    table(['LISTENER', 'ADDRESS'], Object.entries(s.listeners)),
  ].join('\n');

export function statusCommand(program: Command): void {
  program
    .command('status')
    .description('show the running server: version, uptime, listeners, connections, store size, queue, certificate expiry')
    .action(async (_opts, cmd: Command) => {
      const config = configFor(cmd);
      const server = await connectControl(config.data_dir);
      if (!server) throw new CliError(`not running: no server answers on ${config.data_dir}/${CONTROL_SOCKET}`);
      const status = await server.status();
      output(cmd, status, () => describe(status));
    });
}
