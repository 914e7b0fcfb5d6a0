/** Base class of @databricks/sql's driver errors (its name and hierarchy, for `instanceof` checks). */
export default class HiveDriverError extends Error {}
