import type { TStatus } from '../thrift/TCLIService_types';

/** A failed request status. Like @databricks/sql's, it implements Error without extending it. */
export default class StatusError implements Error {
  name: string;
  message: string;
  code: number;
  stack?: string;

  constructor(status: TStatus) {
    this.name = 'Status Error';
    this.message = status.errorMessage || '';
    this.code = status.errorCode || -1;
    if (Array.isArray(status.infoMessages)) this.stack = status.infoMessages.join('\n');
  }
}
