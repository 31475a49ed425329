export type { ObjectStore } from './object-store.js';
export { LocalObjectStore, type LocalObjectStoreOptions } from './local-object-store.js';
export { S3ObjectStore, parseS3Location, type S3ObjectStoreOptions } from './s3-object-store.js';
export { createObjectStore, imageKey } from './create-object-store.js';
