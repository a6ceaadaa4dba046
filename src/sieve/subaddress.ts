/** `user+detail@domain` without its detail (RFC 5233), for comparing an address with an account's. */
export function withoutDetail(address: string, separator: string): string {
  const at = address.lastIndexOf('@');
  const cut = separator ? address.indexOf(separator) : -1;
  return cut >= 0 && cut < at ? address.slice(0, cut) + address.slice(at) : address;
}
