// ESM entry point of `sluice/kysely`: re-exports the CommonJS build, so its errors are the same
// classes as those of `sluice` under either module system.
import dialect from '../dist/kysely/index.js';

export const {
  AbortSignalPlugin,
  DatabricksAdapter,
  DatabricksConnection,
  DatabricksDialect,
  DatabricksDriver,
  DatabricksIntrospector,
  DatabricksQueryCompiler,
} = dialect;
export default dialect;
