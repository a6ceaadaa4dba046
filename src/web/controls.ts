import { html, type Html } from './html.ts';

/** The form controls the account's Sieve and spam pages need besides components.ts's field(). */

let controlIds = 0;
const nextId = (name: string): string => `c-${name}-${++controlIds}`;

export function textArea(label: string, name: string, value: string, opts: { required?: boolean } = {}): Html {
  const id = nextId(name);
  return html`<label for="${id}">${label}</label><textarea id="${id}" name="${name}"${opts.required ? html` required` : ''}>${value}</textarea>`;
}

export function checkbox(label: string, name: string, checked: boolean): Html {
  const id = nextId(name);
  return html`<label for="${id}"><input type="checkbox" id="${id}" name="${name}" value="on"${checked ? html` checked` : ''}> ${label}</label>`;
}

export function choice(label: string, name: string, options: [string, string][], selected?: string): Html {
  const id = nextId(name);
  return html`<label for="${id}">${label}</label><select id="${id}" name="${name}">${options.map(
    ([value, text]) => html`<option value="${value}"${value === selected ? html` selected` : ''}>${text}</option>`,
  )}</select>`;
}
