/** The `native` backend: the Rust kernel through the N-API binding. */

import type {
  Backend,
  BackendConnection,
  BackendExecuteArgs,
  BackendExport,
  BackendExportArgs,
  BackendOptions,
  BackendResultInfo,
  BackendStatement,
  ResultChunk,
} from './backend';
import { decodeNativeError, native } from './errors';
import { loadNative } from './native';
import { withDefaults } from './options';

type NativeStatement = import('../index').NativeStatement;
type NativeConnection = import('../index').NativeConnection;
type NativeChunk = import('../index').NativeChunk;

class Statement implements BackendStatement {
  /** Bytes of chunks taken out of the engine's external memory count; null when not deferring. */
  private deferred: number | null = null;

  constructor(private readonly inner: NativeStatement) {}

  execute(sql: string, args: BackendExecuteArgs): Promise<BackendResultInfo> {
    return native(() => this.inner.execute(sql, args));
  }

  nextChunk(): Promise<ResultChunk | null> {
    // A chunk already decoded (or the end) is taken without the round trip through the runtime.
    let ready: ReturnType<NativeStatement['readyChunk']>;
    try {
      ready = this.inner.readyChunk();
    } catch (e) {
      return Promise.reject(decodeNativeError(e));
    }
    if (ready) return Promise.resolve(this.handedOut(ready.chunk ?? null));
    return native(() => this.inner.nextChunk()).then((chunk) => this.handedOut(chunk));
  }

  /**
   * Each chunk Buffer counts as external memory, and V8 runs a full collection whenever that
   * count grows by 64 MiB: a dozen collections for a 1 GB table, none of which can free a chunk
   * the caller keeps (measured in docs/reliability-and-performance.md, section 4.2).
   */
  deferMemoryAccounting(): () => void {
    this.deferred = 0;
    return () => {
      const bytes = this.deferred ?? 0;
      this.deferred = null;
      if (bytes > 0) loadNative().adjustExternalMemory(bytes);
    };
  }

  private handedOut(chunk: NativeChunk | null): ResultChunk | null {
    if (chunk === null) return null;
    if (this.deferred !== null) {
      loadNative().adjustExternalMemory(-chunk.bytes.byteLength);
      this.deferred += chunk.bytes.byteLength;
    }
    return { ipc: chunk.bytes, layout: chunk.layout };
  }

  get statementId(): string | null {
    return this.inner.statementId;
  }

  cancel(): void {
    this.inner.cancel();
  }

  close(): Promise<void> {
    return native(() => this.inner.close());
  }

  export(args: BackendExportArgs): BackendExport {
    let pieces: ReturnType<NativeStatement['export']>;
    try {
      pieces = this.inner.export(args);
    } catch (e) {
      throw decodeNativeError(e);
    }
    return { next: () => native(() => pieces.next()) };
  }
}

class Connection implements BackendConnection {
  constructor(private readonly inner: NativeConnection) {}

  statement(): BackendStatement {
    return new Statement(this.inner.statement());
  }

  close(): Promise<void> {
    return native(() => this.inner.close());
  }
}

export const nativeBackend: Backend = {
  name: 'native',
  async connect(options: BackendOptions): Promise<BackendConnection> {
    const binding = loadNative();
    const { tokenProvider, ...rest } = options;
    return new Connection(await native(() => binding.connect(withDefaults(rest), tokenProvider)));
  },
};
