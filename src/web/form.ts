import { HttpError } from '../http/routes.ts';

/** A form of these pages is a few fields; a PEM certificate import would be the largest. */
export const MAX_FORM_BYTES = 64 * 1024;
const MAX_FIELDS = 50;

/** The fields of a urlencoded form body; the last value of a repeated name wins. */
export class Form {
  readonly #fields: Map<string, string>;

  constructor(body: string) {
    const params = new URLSearchParams(body);
    this.#fields = new Map();
    for (const [name, value] of params) {
      this.#fields.set(name, value);
      if (this.#fields.size > MAX_FIELDS) throw new HttpError(400, 'too many form fields');
    }
  }

  /** The field's text, '' when absent. */
  text(name: string): string {
    return this.#fields.get(name) ?? '';
  }

  has(name: string): boolean {
    return this.#fields.has(name);
  }
}

export async function readForm(contentType: string | undefined, body: () => Promise<string>): Promise<Form> {
  if (!/^application\/x-www-form-urlencoded\b/i.test(contentType ?? '')) throw new HttpError(415, 'expected a form (application/x-www-form-urlencoded)');
  return new Form(await body());
}
