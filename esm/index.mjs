// ESM entry point: re-exports the CommonJS build, so both module systems share one copy of every
// class (an error thrown under one is `instanceof` the class imported under the other).
import sluice from '../dist/index.js';

export const {
  apilevel,
  threadsafety,
  paramstyle,
  connect,
  Connection,
  Cursor,
  SluiceError,
  Warning,
  InterfaceError,
  DatabaseError,
  DataError,
  OperationalError,
  IntegrityError,
  InternalError,
  ProgrammingError,
  NotSupportedError,
  OptionsError,
  TypedValue,
  typed,
  TypeObject,
  STRING,
  BINARY,
  NUMBER,
  DATETIME,
  ROWID,
  startLocalWarehouse,
} = sluice;
// PEP 249 names the base class `Error`; exported under that name without shadowing the global here.
const DriverError = sluice.Error;

export { DriverError as Error };
export default sluice;
