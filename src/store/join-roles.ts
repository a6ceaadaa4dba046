/** The roles' methods, bound to their objects, as one object: the store every caller sees. */
export function joinRoles<A extends object, B extends object, C extends object, D extends object>(a: A, b: B, c: C, d: D): A & B & C & D {
  return Object.assign({}, methodsOf(a), methodsOf(b), methodsOf(c), methodsOf(d)) as A & B & C & D;
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
