/** One entry of a directory listing, in MLflow's `FileInfo` shape. */
export interface FileInfo {
  /** Relative to the store root, '/'-separated, e.g. "dir/a.txt". */
  path: string;
  is_dir: boolean;
  /** Bytes; files only. */
  file_size?: number;
}

/** Bytes to store: a stream of chunks (consumed once, never buffered whole) or one buffer. */
export type ArtifactBody = AsyncIterable<Uint8Array> | Uint8Array;

/**
 * A flat key space of files with implicit directories, shaped so that both a local directory and an S3
 * bucket prefix can implement it. Every path is a '/'-separated key relative to the store root, checked
 * with `safeRelativePath` (INVALID_PARAMETER_VALUE `Invalid path` otherwise); never an OS path.
 */
export interface ArtifactStore {
  /**
   * Writes (or replaces) one file from a stream or bytes; parent "directories" are implicit. Writes are
   * atomic: a reader never sees a half-written file (write to a temp name, then rename). A failed or
   * aborted body leaves the previous content (or nothing) in place.
   */
  put(path: string, body: ArtifactBody): Promise<void>;
  /**
   * Opens one file; RESOURCE_DOES_NOT_EXIST when missing or a directory. The caller must consume the
   * body or end its iteration early (`return()`/`break`) so the underlying handle is released.
   */
  get(path: string): Promise<{ body: AsyncIterable<Uint8Array>; size: number }>;
  /**
   * Direct children of a directory, sorted by name (byte order of the UTF-8 names); `path` in each entry
   * is relative to the store root (e.g. "dir/a.txt"). Empty list for a missing dir.
   */
  list(dir: string): Promise<FileInfo[]>;
  /** Deletes a file or a whole tree; missing is not an error. */
  delete(path: string): Promise<void>;
  /**
   * Multipart upload (MLflow's mpu endpoints): parts are uploaded separately, then joined in part order.
   * Unknown (or already completed/aborted) upload ids, or an id used with another path, are
   * RESOURCE_DOES_NOT_EXIST on every mpu method.
   */
  createMultipartUpload(path: string): Promise<{ uploadId: string }>;
  /** Stores part `partNumber` (1…10000; a re-upload supersedes it); the etag is the quoted md5 of the part. */
  uploadPart(
    path: string,
    uploadId: string,
    partNumber: number,
    body: ArtifactBody,
  ): Promise<{ etag: string }>;
  /**
   * Joins the listed parts in part-number order into `path` (atomically, like `put`) and ends the upload.
   * INVALID_PARAMETER_VALUE for an empty or duplicated part list or an etag not matching an uploaded part.
   */
  completeMultipartUpload(
    path: string,
    uploadId: string,
    parts: { partNumber: number; etag: string }[],
  ): Promise<void>;
  /** Discards an upload and its parts. */
  abortMultipartUpload(path: string, uploadId: string): Promise<void>;
  /** Releases clients or handles held by the store. */
  close?(): Promise<void>;
}
