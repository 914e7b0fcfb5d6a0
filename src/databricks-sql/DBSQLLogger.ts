import type IDBSQLLogger from './contracts/IDBSQLLogger';
import { type LoggerOptions, LogLevel } from './contracts/IDBSQLLogger';

const RANK: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3 };

/** A console logger with @databricks/sql's levels (theirs uses winston; `filepath` is ignored). */
export default class DBSQLLogger implements IDBSQLLogger {
  private level: LogLevel;

  constructor({ level = LogLevel.info }: LoggerOptions = {}) {
    this.level = level;
  }

  log(level: LogLevel, message: string): void {
    if (RANK[level] > RANK[this.level]) return;
    const write = level === LogLevel.error ? console.error : level === LogLevel.warn ? console.warn : console.log;
    write(`[${level}] ${message}`);
  }

  getLevel(): LogLevel {
    return this.level;
  }

  setLevel(level: LogLevel): void {
    this.level = level;
  }
}
