export * from './base.js';
export { LowdbStore, META_FILE, TRIALS_FILE, LOCK_FILE, lockHolder, pidAlive, acquireStudyLock, releaseStudyLock } from './lowdb-store.js';
export { DurableJsonFile } from './durable-file.js';
export { MemoryStore } from './memory-store.js';
