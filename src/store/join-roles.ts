/** The roles' methods, bound to their objects, as one object: the store every caller sees. */
export function joinRoles<Roles extends object[]>(...roles: Roles): AllOf<Roles> {
  return Object.assign({}, ...roles.map(methodsOf)) as AllOf<Roles>;
}

/** The intersection of a tuple's types: what an object holding every role's methods is. */
type AllOf<T extends unknown[]> = T extends [infer First, ...infer Rest] ? First & AllOf<Rest> : unknown;

/** A role object's methods, bound to it, as own properties. */
function methodsOf(role: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const name of Object.getOwnPropertyNames(Object.getPrototypeOf(role))) {
    const value = (role as Record<string, unknown>)[name];
    if (name !== 'constructor' && typeof value === 'function') out[name] = value.bind(role);
  }
  return out;
}
