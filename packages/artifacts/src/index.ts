export type { ArtifactBody, ArtifactStore, FileInfo } from './artifact-store.js';
export { joinArtifactPath, resolveArtifactUri } from './artifact-uri.js';
export { LocalArtifactStore } from './local-artifact-store.js';
export type { LocalArtifactStoreOptions } from './local-artifact-store.js';
export { safeRelativePath } from './path-safety.js';
