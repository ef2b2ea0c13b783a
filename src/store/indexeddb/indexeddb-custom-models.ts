/**
 * Custom on-device models (added by URL in the model manager) in the `models` store of the app database (created by
 * `idb-schema.ts`). IndexedDB rather than localStorage because the memory worker, which loads the models, reads them
 * too. Every record is validated on the way in and on the way out, so a damaged record is reported by id.
 */
import { customModelSchema, type CustomModel } from '../../core/custom-model-schema';
import { readRecord, DEFAULT_DB_NAME, type MemoryDb } from './idb-schema';
import { openMemoryDb } from './idb-upgrades';

/** The custom models kept in the app's IndexedDB database. */
export class IndexedDbCustomModelStore {
  private constructor(private readonly db: MemoryDb) {}

  /** Opens (creating or upgrading) the database `name`. */
  static async open(name: string = DEFAULT_DB_NAME): Promise<IndexedDbCustomModelStore> {
    return new IndexedDbCustomModelStore(await openMemoryDb(name));
  }

  /** Closes the connection. */
  close(): void {
    this.db.close();
  }

  /** Every custom model, sorted by id. */
  async list(): Promise<CustomModel[]> {
    const rows = await this.db.getAll('models');
    return rows.map((r) => readRecord(customModelSchema, 'models', r));
  }

  /** Adds or replaces the model with the same id. */
  async put(model: CustomModel): Promise<void> {
    await this.db.put('models', customModelSchema.parse(model));
  }

  /** Removes the model `id` (nothing happens when there is none). */
  async delete(id: string): Promise<void> {
    await this.db.delete('models', id);
  }
}

/** Lists the custom models of database `name`, opening and closing a connection for it. */
export async function readCustomModels(name: string = DEFAULT_DB_NAME): Promise<CustomModel[]> {
  const store = await IndexedDbCustomModelStore.open(name);
  try {
    return await store.list();
  } finally {
    store.close();
  }
}
