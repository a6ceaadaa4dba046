/** RFC 8461 section 3.2: the policy file at https://mta-sts.DOMAIN/.well-known/mta-sts.txt. */
export function mtaStsPolicy(mode: 'none' | 'testing' | 'enforce', mx: string, maxAgeSeconds: number): string {
  return `version: STSv1\r\nmode: ${mode}\r\nmx: ${mx}\r\nmax_age: ${maxAgeSeconds}\r\n`;
}
