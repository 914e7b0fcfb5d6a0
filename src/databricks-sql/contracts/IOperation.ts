import type { Readable, ReadableOptions } from 'node:stream';
import type Status from '../dto/Status';
import type { TGetOperationStatusResp, TTableSchema } from '../thrift/TCLIService_types';
import type { ResultMetadata } from './ResultMetadata';

export type OperationStatusCallback = (progress: TGetOperationStatusResp) => unknown;

export interface WaitUntilReadyOptions {
  progress?: boolean;
  callback?: OperationStatusCallback;
}

export interface FinishedOptions extends WaitUntilReadyOptions {}

export interface FetchOptions extends WaitUntilReadyOptions {
  maxRows?: number;
  disableBuffering?: boolean;
}

export interface GetSchemaOptions extends WaitUntilReadyOptions {}

export interface IteratorOptions extends FetchOptions {
  autoClose?: boolean;
}

export interface IOperationChunksIterator extends AsyncIterableIterator<object[]> {
  readonly operation: IOperation;
}

export interface IOperationRowsIterator extends AsyncIterableIterator<object> {
  readonly operation: IOperation;
}

export interface NodeStreamOptions {
  mode?: 'chunks' | 'rows';
  iteratorOptions?: IteratorOptions;
  streamOptions?: ReadableOptions;
}

export default interface IOperation {
  readonly id: string;
  fetchChunk(options?: FetchOptions): Promise<object[]>;
  fetchAll(options?: FetchOptions): Promise<object[]>;
  status(progress?: boolean): Promise<TGetOperationStatusResp>;
  cancel(): Promise<Status>;
  close(): Promise<Status>;
  finished(options?: FinishedOptions): Promise<void>;
  hasMoreRows(): Promise<boolean>;
  getSchema(options?: GetSchemaOptions): Promise<TTableSchema | null>;
  getResultMetadata(): Promise<ResultMetadata>;
  iterateChunks(options?: IteratorOptions): IOperationChunksIterator;
  iterateRows(options?: IteratorOptions): IOperationRowsIterator;
  toNodeStream(options?: NodeStreamOptions): Readable;
}
