/**
 * Process-wide counters and gauges for `/metrics`. Modules increment a counter where
 * the event happens (a connection, a delivery, a failed login) and know nothing about
 * Prometheus; the http module renders the text format.
 */
export type Labels = Record<string, string>;

interface Family {
  help: string;
  type: 'counter' | 'gauge';
  /** Keyed by the rendered label set, so equal labels share a series. */
  series: Map<string, { labels: Labels; value: number }>;
}

const families = new Map<string, Family>();
/** Gauges computed when scraped (certificate expiry), registered by their owner. */
const collectors = new Map<string, () => { labels: Labels; value: number }[]>();

const HELP: Record<string, [Family['type'], string]> = {
  mailfold_connections_total: ['counter', 'Connections accepted, per listener.'],
  mailfold_messages_received_total: ['counter', 'Messages handed to local delivery (SMTP, LMTP, deliver, import).'],
  mailfold_messages_delivered_total: ['counter', 'Copies of messages written into a mailbox.'],
  mailfold_messages_queued_total: ['counter', 'Messages put into the outbound queue.'],
  mailfold_messages_bounced_total: ['counter', 'Queued messages with recipients that failed for good (a bounce goes to the sender unless it is null).'],
  mailfold_auth_failures_total: ['counter', 'Failed logins (wrong password, unknown user, bad authorization id).'],
  mailfold_auth_throttled_total: ['counter', 'Logins refused by the throttle without checking the password, per reason.'],
  mailfold_password_checks_total: ['counter', 'Password hashes verified (argon2id), whatever the outcome.'],
  mailfold_password_cache_hits_total: ['counter', 'Logins whose password was verified lately and was not checked with argon2id again (auth.cache_ttl).'],
  mailfold_certificate_expiry_timestamp_seconds: ['gauge', 'When the served certificate expires (Unix time), per name.'],
};

export type MetricName = keyof typeof HELP;

function family(name: string): Family {
  let f = families.get(name);
  if (!f) {
    const [type, help] = HELP[name] ?? ['counter', name];
    f = { type, help, series: new Map() };
    families.set(name, f);
  }
  return f;
}

export function increment(name: MetricName, labels: Labels = {}, by = 1): void {
  const series = family(name).series;
  const key = renderLabels(labels);
  const entry = series.get(key);
  if (entry) entry.value += by;
  else series.set(key, { labels, value: by });
}

/** Registers the function that reports a gauge's series at scrape time; a later one replaces it. */
export function collect(name: MetricName, fn: () => { labels: Labels; value: number }[]): () => void {
  family(name);
  collectors.set(name, fn);
  return () => {
    if (collectors.get(name) === fn) collectors.delete(name);
  };
}

const escapeLabel = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');

function renderLabels(labels: Labels): string {
  const entries = Object.entries(labels).sort(([a], [b]) => a.localeCompare(b));
  return entries.length === 0 ? '' : `{${entries.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',')}}`;
}

/** The Prometheus text exposition format, version 0.0.4. */
export function renderMetrics(): string {
  const lines: string[] = [];
  for (const name of Object.keys(HELP)) {
    const f = family(name);
    lines.push(`# HELP ${name} ${f.help}`, `# TYPE ${name} ${f.type}`);
    const series = collectors.get(name)?.() ?? [...f.series.values()];
    for (const { labels, value } of series) lines.push(`${name}${renderLabels(labels)} ${value}`);
  }
  return lines.join('\n') + '\n';
}
