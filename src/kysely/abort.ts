/**
 * An AbortSignal for the queries of one Kysely instance. Kysely 0.28 passes no signal to a
 * driver, but it hands every query's id object both to plugins and to the driver (inside the
 * compiled query), so this plugin files the signal under that id for the driver to find.
 */

import type {
  KyselyPlugin,
  PluginTransformQueryArgs,
  PluginTransformResultArgs,
  QueryResult,
  RootOperationNode,
  UnknownRow,
} from 'kysely';

const signals = new WeakMap<object, AbortSignal>();

/** The signal filed for a query by an AbortSignalPlugin, if any. */
export function signalOf(queryId: object): AbortSignal | undefined {
  return signals.get(queryId);
}

/**
 * `db.withPlugin(new AbortSignalPlugin(signal))`: aborting `signal` cancels the statement on the
 * warehouse and rejects the query with an OperationalError (code `Aborted`).
 */
export class AbortSignalPlugin implements KyselyPlugin {
  constructor(readonly signal: AbortSignal) {
    if (!(signal instanceof AbortSignal)) throw new TypeError('AbortSignalPlugin needs an AbortSignal');
  }

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    signals.set(args.queryId, this.signal);
    return args.node;
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return args.result;
  }
}
