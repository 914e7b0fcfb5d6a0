/**
 * A plain object (`{...}` or `Object.create(null)`): what the driver reads by its own keys. A
 * `Map`, a `Set` or a class instance keeps its entries elsewhere, and read as an object it would
 * look empty, its contents dropped unseen.
 */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
