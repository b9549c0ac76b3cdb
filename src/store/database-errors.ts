import { isPatchbayError, PatchbayError } from '../core/errors.ts';

// node:sqlite raises extended result codes; PostgreSQL raises SQLSTATE codes.
const SQLITE_CONSTRAINT_UNIQUE = 2067;
const SQLITE_CONSTRAINT_PRIMARYKEY = 1555;
const SQLITE_CONSTRAINT_FOREIGNKEY = 787;
const PG_UNIQUE_VIOLATION = '23505';
const PG_FOREIGN_KEY_VIOLATION = '23503';

interface DriverError {
  code?: unknown;
  errcode?: unknown;
}

/** A duplicate key, as either database reports it. */
export function isUniqueViolation(error: unknown): boolean {
  const e = error as DriverError | null;
  if (!e || typeof e !== 'object') return false;
  return e.code === PG_UNIQUE_VIOLATION || e.errcode === SQLITE_CONSTRAINT_UNIQUE || e.errcode === SQLITE_CONSTRAINT_PRIMARYKEY;
}

/** A row pointing at a parent that does not exist (any more), as either database reports it. */
export function isForeignKeyViolation(error: unknown): boolean {
  const e = error as DriverError | null;
  if (!e || typeof e !== 'object') return false;
  return e.code === PG_FOREIGN_KEY_VIOLATION || e.errcode === SQLITE_CONSTRAINT_FOREIGNKEY;
}

/**
 * Runs one repository operation; anything the database throws that the operation did
 * not turn into a specific error becomes `STORE_ERROR`, keeping the driver's error as
 * the cause.
 */
export async function runStoreOperation<T>(operation: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (isPatchbayError(error)) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new PatchbayError('STORE_ERROR', `The database failed during ${operation}: ${reason}. Check that the database is reachable and not full, then retry.`, {
      cause: error,
      details: { operation },
    });
  }
}
