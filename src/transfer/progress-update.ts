/** How far a long job is: what the CLI turns into a bar, a log line or a JSON line. */
export interface ProgressUpdate {
  /** Items done (records, messages), and bytes. */
  items: number;
  bytes: number;
  /** When known: what the job will have done at its end (an estimate may be passed). */
  totalItems?: number;
  totalBytes?: number;
}

export type ProgressSink = (update: ProgressUpdate) => void;
