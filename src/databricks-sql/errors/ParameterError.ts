/** A bad argument: parameters, options. Not a HiveDriverError, as in @databricks/sql. */
export default class ParameterError extends Error {}
