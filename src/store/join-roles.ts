/** The roles' methods, bound to their objects, as one object: the store every caller sees. */
export function joinRoles<A extends object, B extends object, C extends object, D extends object, E extends object>(a: A, b: B, c: C, d: D, e: E): A & B & C & D & E {
  return Object.assign({}, methodsOf(a), methodsOf(b), methodsOf(c), methodsOf(d), methodsOf(e)) as A & B & C & D & E;
}

/** A role object's methods, bound to it, as own properties. */
function methodsOf(role: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const name of Object.getOwnPropertyNames(Object.getPrototypeOf(role))) {
    const value = (role as Record<string, unknown>)[name];
    if (name !== 'constructor' && typeof value === 'function') out[name] = value.bind(role);
  }
  return out;
}
