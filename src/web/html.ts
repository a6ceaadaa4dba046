/** Markup that is safe to insert as it is: made by `html` (which escapes what it inserts) or by `raw` from a trusted source. */
export class Html {
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
}

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => ENTITIES[c]!);

/** Trusted markup (an SVG the server drew), inserted without escaping. */
export const raw = (text: string): Html => new Html(text);

function insert(value: unknown): string {
  if (value instanceof Html) return value.text;
  if (Array.isArray(value)) return value.map(insert).join('');
  if (value === null || value === undefined || value === false) return '';
  return escapeHtml(String(value));
}

/**
 * The only way pages make markup: every inserted value is escaped unless it is Html
 * already, so a name or an address typed by anyone cannot become markup.
 */
export function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += insert(values[i]) + strings[i + 1]!;
  return new Html(out);
}
