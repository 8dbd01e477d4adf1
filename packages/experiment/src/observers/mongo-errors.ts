import { MongoError, MongoNetworkError, MongoServerSelectionError } from 'mongodb';

/** Server error codes that mean "not now" (shutdown, failover, network), not "never". */
const TRANSIENT_CODES = new Set([6, 7, 89, 91, 189, 262, 9001, 10107, 11600, 11602, 13435, 13436, 46841]);

/** True for a duplicate-key error (E11000): another run took the `_id`. */
export function isDuplicateKey(e: unknown): boolean {
  return e instanceof MongoError && (e.code === 11000 || e.code === 11001);
}

/**
 * True when an operation failed because the database is (momentarily) unreachable: network errors, server
 * selection timeouts, shutdown/failover codes, errors labelled retryable. Such errors are retried with backoff;
 * anything else (bad document, auth failure) is not.
 */
export function isTransientMongoError(e: unknown): boolean {
  if (e instanceof MongoNetworkError || e instanceof MongoServerSelectionError) return true;
  if (!(e instanceof MongoError)) {
    const code = (e as NodeJS.ErrnoException | null)?.code;
    return code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'EPIPE' || code === 'ETIMEDOUT';
  }
  if (['MongoTopologyClosedError', 'MongoPoolClearedError', 'MongoNotConnectedError', 'MongoNetworkTimeoutError'].includes(e.name)) return true;
  if (typeof e.code === 'number' && TRANSIENT_CODES.has(e.code)) return true;
  return e.hasErrorLabel('RetryableWriteError') || e.hasErrorLabel('ResetPool') || e.hasErrorLabel('TransientTransactionError');
}

/** True for authentication/authorization failures (wrong password, no rights on the database). */
export function isAuthError(e: unknown): boolean {
  return e instanceof MongoError && (e.code === 18 || e.code === 13 || /auth(entication)? failed/i.test(e.message));
}
