/** Where a multi-file transfer stands; totals are known before the first file moves. */
export interface TransferProgress {
  filesDone: number;
  filesTotal: number;
  bytesDone: number;
  bytesTotal: number;
  /** The file just finished (run-relative for downloads, local for uploads). */
  path: string;
}

export interface TransferOptions {
  onProgress?: (progress: TransferProgress) => void;
}

/** Counts finished files against known totals and reports each step. */
export class ProgressCounter {
  private filesDone = 0;
  private bytesDone = 0;

  constructor(
    private readonly filesTotal: number,
    private readonly bytesTotal: number,
    private readonly report: ((p: TransferProgress) => void) | undefined,
  ) {}

  done(path: string, bytes: number): void {
    this.filesDone++;
    this.bytesDone += bytes;
    this.report?.({
      filesDone: this.filesDone,
      filesTotal: this.filesTotal,
      bytesDone: this.bytesDone,
      bytesTotal: this.bytesTotal,
      path,
    });
  }
}
