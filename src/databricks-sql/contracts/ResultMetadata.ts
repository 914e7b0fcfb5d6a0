import type { TTableSchema } from '../thrift/TCLIService_types';

export enum ResultFormat {
  ColumnBased = 'COLUMN_BASED',
  ArrowBased = 'ARROW_BASED',
  UrlBased = 'URL_BASED',
}

export interface ResultMetadata {
  schema?: TTableSchema;
  resultFormat: ResultFormat;
  lz4Compressed?: boolean;
  arrowSchema?: Buffer;
  isStagingOperation: boolean;
}
