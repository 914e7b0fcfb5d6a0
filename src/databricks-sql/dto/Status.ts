import StatusError from '../errors/StatusError';
import { type TStatus, TStatusCode } from '../thrift/TCLIService_types';

/** The outcome of `cancel()` and `close()`, as @databricks/sql returns it. */
export default class Status {
  private readonly status: TStatus;

  constructor(status: TStatus) {
    this.status = status;
  }

  get isSuccess(): boolean {
    const code = this.status.statusCode;
    return code === TStatusCode.SUCCESS_STATUS || code === TStatusCode.SUCCESS_WITH_INFO_STATUS;
  }

  get isExecuting(): boolean {
    return this.status.statusCode === TStatusCode.STILL_EXECUTING_STATUS;
  }

  get isError(): boolean {
    const code = this.status.statusCode;
    return code === TStatusCode.ERROR_STATUS || code === TStatusCode.INVALID_HANDLE_STATUS;
  }

  get info(): string[] {
    return this.status.infoMessages ?? [];
  }

  /** Throws a StatusError when `status` is an error. */
  static assert(status: TStatus): void {
    if (new Status(status).isError) throw new StatusError(status);
  }

  static success(info: string[] = []): Status {
    return new Status({
      statusCode: info.length > 0 ? TStatusCode.SUCCESS_WITH_INFO_STATUS : TStatusCode.SUCCESS_STATUS,
      infoMessages: info,
    });
  }
}
