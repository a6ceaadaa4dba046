const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/** Text or an attribute value for XML (autoconfig, Autodiscover, plist). */
export const escapeXml = (value: string | number): string => String(value).replace(/[&<>"']/g, (c) => ENTITIES[c]!);
