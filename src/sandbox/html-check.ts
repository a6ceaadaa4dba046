/** One thing a developer should look at in a message's HTML. */
export interface HtmlProblem {
  kind: 'insecure-link' | 'broken-link' | 'missing-alt' | 'image-size' | 'remote-image' | 'script' | 'form';
  detail: string;
}

export interface HtmlReport {
  links: number;
  images: number;
  /** Images (and CSS backgrounds) from the network: the preview blocks them. */
  remoteImages: number;
  problems: HtmlProblem[];
}

/** Reports are bounded: a message with a million links gets the first of each kind. */
const MAX_PROBLEMS = 100;
const MAX_SCAN = 2 * 1024 * 1024;

const attr = (tag: string, name: string): string | null => {
  const m = new RegExp(`\\s${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)'|([^\\s>]+))`, 'i').exec(tag);
  return m ? (m[1] ?? m[2] ?? m[3] ?? '') : null;
};
const isRemote = (url: string) => /^\s*(?:https?:)?\/\//i.test(url);
const short = (s: string) => (s.length > 120 ? s.slice(0, 117) + '...' : s);

function checkLink(href: string | null): HtmlProblem | null {
  if (href === null) return null;
  const url = href.trim();
  if (url === '' || url === '#') return { kind: 'broken-link', detail: `a link goes nowhere: href="${short(href)}"` };
  if (/^javascript:/i.test(url)) return { kind: 'broken-link', detail: `a link runs script: ${short(url)}` };
  if (/^http:\/\//i.test(url)) return { kind: 'insecure-link', detail: `a link over plain http: ${short(url)}` };
  if (/^(?:https:|mailto:|tel:)/i.test(url)) {
    try {
      new URL(url);
      return null;
    } catch {
      return { kind: 'broken-link', detail: `a link that is not a URL: ${short(url)}` };
    }
  }
  return { kind: 'broken-link', detail: `a relative link, which has no base in a mail client: ${short(url)}` };
}

/**
 * A quick look at a message's HTML, the way mail clients will treat it: links over http or
 * nowhere, images without alt text or size (the layout jumps while they load), remote
 * images (blocked by many clients), and script or forms (removed by most). Tags are found
 * with patterns, not a full parser: enough to point at problems, never used to sanitize.
 * A tag ends at the next `<` at the latest, so unclosed tags cost one pass, not one per tag.
 */
export function checkHtml(input: string): HtmlReport {
  const html = input.slice(0, MAX_SCAN);
  const report: HtmlReport = { links: 0, images: 0, remoteImages: 0, problems: [] };
  const add = (p: HtmlProblem | null) => {
    if (p && report.problems.length < MAX_PROBLEMS) report.problems.push(p);
  };
  for (const [tag, name] of html.matchAll(/<([a-z][a-z0-9]*)\b[^<>]{0,8192}>/gi)) {
    switch (name!.toLowerCase()) {
      case 'a': {
        const href = attr(tag, 'href');
        if (href !== null) report.links++;
        add(checkLink(href));
        break;
      }
      case 'img': {
        report.images++;
        const src = attr(tag, 'src') ?? '';
        if (isRemote(src)) {
          report.remoteImages++;
          add({ kind: 'remote-image', detail: `a remote image (blocked in this preview): ${short(src)}` });
        }
        if (attr(tag, 'alt') === null) add({ kind: 'missing-alt', detail: `an image without alt text: ${short(src)}` });
        if (attr(tag, 'width') === null || attr(tag, 'height') === null) add({ kind: 'image-size', detail: `an image without width and height: ${short(src)}` });
        break;
      }
      case 'script':
        add({ kind: 'script', detail: 'a <script> element: mail clients remove it' });
        break;
      case 'form':
        add({ kind: 'form', detail: 'a <form>: many mail clients disable it' });
        break;
    }
  }
  for (const [, url] of html.matchAll(/url\(\s*['"]?([^'")\s]+)/gi)) {
    if (isRemote(url!)) {
      report.remoteImages++;
      add({ kind: 'remote-image', detail: `a remote CSS image (blocked in this preview): ${short(url!)}` });
    }
  }
  return report;
}
