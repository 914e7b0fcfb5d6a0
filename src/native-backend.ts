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
} from './backend';
import { decodeNativeError, native } from './errors';
import { loadNative } from './native';
import { withDefaults } from './options';

type NativeStatement = import('../index').NativeStatement;
type NativeConnection = import('../index').NativeConnection;

class Statement implements BackendStatement {
  constructor(private readonly inner: NativeStatement) {}

  execute(sql: string, args: BackendExecuteArgs): Promise<BackendResultInfo> {
    return native(() => this.inner.execute(sql, args));
  }

  nextChunk(): Promise<Uint8Array | null> {
    // A chunk already decoded (or the end) is taken without the round trip through the runtime.
    let ready: ReturnType<NativeStatement['readyChunk']>;
    try {
      ready = this.inner.readyChunk();
    } catch (e) {
      return Promise.reject(decodeNativeError(e));
    }
    if (ready) return Promise.resolve(ready.chunk ?? null);
    return native(() => this.inner.nextChunk());
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
