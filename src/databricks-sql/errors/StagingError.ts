/** A staging (PUT/GET/REMOVE volume) operation failed; the drop-in does not run them. */
export default class StagingError extends Error {}
