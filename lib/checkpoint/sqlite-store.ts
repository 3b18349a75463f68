import { EventEmitter } from 'node:events';
import { accessSync, chmodSync, constants, mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';

/**
 * Options of {@link createSqliteStore}.
 * @public
 */
export interface SqliteStoreOptions {
  /** Database file; `:memory:` for a throwaway store. Parent folders are created. */
  readonly path: string;
  /** @defaultValue `keyv` */
  readonly table?: string;
  /** How long a writer waits for another process's lock. @defaultValue 5000 */
  readonly busyTimeoutMs?: number;
}

/**
 * A Keyv storage adapter over Node's built-in `node:sqlite` (no native addon to build). WAL journal and
 * `synchronous=FULL`, so an acknowledged checkpoint survives a crash and several processes can share the file.
 * @public
 */
export class SqliteStore extends EventEmitter {
  readonly opts: { readonly dialect: 'sqlite'; readonly url: string };
  namespace?: string | undefined;
  private readonly db: DatabaseSync;
  /** Device and inode of the file opened, to notice it being deleted or replaced under us. */
  private readonly identity: string | undefined;
  private readonly statements: {
    get: StatementSync;
    set: StatementSync;
    delete: StatementSync;
    clearPrefix: StatementSync;
    clearAll: StatementSync;
    list: StatementSync;
  };

  constructor(options: SqliteStoreOptions) {
    super();
    const table = options.table ?? 'keyv';
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(table)) throw new TypeError('[auditpull] sqlite table name must be an identifier');
    if (options.path !== ':memory:') {
      mkdirSync(dirname(options.path), { recursive: true });
      assertWritable(options.path);
    }
    this.opts = { dialect: 'sqlite', url: options.path };
    this.db = new DatabaseSync(options.path, { timeout: options.busyTimeoutMs ?? 5000 });
    // State holds cached tenant tokens: readable by the collector's user only. Only group and other bits are
    // taken away, so an owner's read-only mark is never undone.
    if (options.path !== ':memory:') {
      const { mode } = statSync(options.path);
      if ((mode & 0o077) !== 0) chmodSync(options.path, mode & 0o700);
    }
    this.identity = options.path === ':memory:' ? undefined : fileIdentity(options.path);
    this.db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;');
    this.db.exec(`CREATE TABLE IF NOT EXISTS ${table} (key TEXT PRIMARY KEY, value TEXT NOT NULL)`);
    this.statements = {
      get: this.db.prepare(`SELECT value FROM ${table} WHERE key = ?`),
      set: this.db.prepare(`INSERT INTO ${table} (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`),
      delete: this.db.prepare(`DELETE FROM ${table} WHERE key = ?`),
      clearPrefix: this.db.prepare(`DELETE FROM ${table} WHERE substr(key, 1, ?) = ?`),
      clearAll: this.db.prepare(`DELETE FROM ${table}`),
      list: this.db.prepare(`SELECT key, value FROM ${table} WHERE substr(key, 1, ?) = ? ORDER BY key`),
    };
  }

  async get<Value>(key: string): Promise<Value | undefined> {
    const row = this.statements.get.get(key) as { value: string } | undefined;
    return row === undefined ? undefined : (row.value as Value);
  }

  async getMany<Value>(keys: string[]): Promise<Array<Value | undefined>> {
    return Promise.all(keys.map((key) => this.get<Value>(key)));
  }

  async set(key: string, value: unknown): Promise<boolean> {
    // SQLite keeps writing to a deleted file's inode: every checkpoint would vanish at the next start,
    // which would then collect everything again. Refuse to write instead.
    if (this.identity !== undefined && fileIdentity(this.opts.url) !== this.identity) {
      throw new Error(`the state file ${this.opts.url} was deleted or replaced while the collector ran`);
    }
    this.statements.set.run(key, typeof value === 'string' ? value : JSON.stringify(value));
    return true;
  }

  async delete(key: string): Promise<boolean> {
    return Number(this.statements.delete.run(key).changes) > 0;
  }

  // Every key in one transaction: one durable commit, however many keys.
  async deleteMany(keys: string[]): Promise<boolean> {
    let any = false;
    this.db.exec('BEGIN IMMEDIATE');
    try {
      for (const key of keys) any = Number(this.statements.delete.run(key).changes) > 0 || any;
      this.db.exec('COMMIT');
    } catch (error) {
      if (this.db.isTransaction) this.db.exec('ROLLBACK');
      throw error;
    }
    return any;
  }

  async has(key: string): Promise<boolean> {
    return this.statements.get.get(key) !== undefined;
  }

  async clear(): Promise<void> {
    if (this.namespace) {
      const prefix = `${this.namespace}:`;
      this.statements.clearPrefix.run(prefix.length, prefix);
    } else {
      this.statements.clearAll.run();
    }
  }

  async *iterator(namespace?: string): AsyncGenerator<[string, string], void> {
    const prefix = namespace ? `${namespace}:` : '';
    for (const row of this.statements.list.all(prefix.length, prefix) as Array<{ key: string; value: string }>) {
      yield [row.key, row.value];
    }
  }

  async disconnect(): Promise<void> {
    if (this.db.isOpen) this.db.close();
  }
}

/**
 * Open (or create) a SQLite-backed Keyv store adapter.
 * @public
 */
export function createSqliteStore(options: SqliteStoreOptions): SqliteStore {
  return new SqliteStore(options);
}

/**
 * SQLite opens a file it cannot write read-only without a word, and the first checkpoint would fail after
 * events were sent. Refuse at open instead (`access` also sees an immutable file, even as root).
 */
function assertWritable(path: string): void {
  for (const file of [path, `${path}-wal`, `${path}-shm`]) {
    try {
      accessSync(file, constants.W_OK);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') continue;
      throw new Error(`the state file ${file} is read-only (${code ?? 'not writable'}); the collector must be able to write its checkpoints there`, { cause: error });
    }
  }
}

function fileIdentity(path: string): string | undefined {
  try {
    const stat = statSync(path);
    return `${stat.dev}:${stat.ino}`;
  } catch {
    return undefined;
  }
}
