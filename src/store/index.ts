export * from './base.js';
export { LowdbStore, META_FILE, TRIALS_FILE, LOCK_FILE } from './lowdb-store.js';
export { MemoryStore } from './memory-store.js';
