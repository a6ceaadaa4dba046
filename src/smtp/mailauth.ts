/**
 * mailauth, loaded at the first message that needs it (it and what it pulls in are
 * about 24 MB of an idle server's RSS). The promise is kept: an `import()` per
 * message resolves the specifier again each time, about 0.1 ms.
 */
let loaded: Promise<typeof import('mailauth')> | null = null;

export const loadMailauth = (): Promise<typeof import('mailauth')> => (loaded ??= import('mailauth'));
