/** Bounds on a script and its run (design rule 8): a script is hostile input like any other. */
export interface SieveLimits {
  /** Largest script accepted, in UTF-8 bytes. */
  maxScriptBytes: number;
  /** Deepest nesting of blocks and tests. */
  maxNesting: number;
  /** Most errors reported for one script. */
  maxErrors: number;
  /** Most `redirect` actions one message may cause. */
  maxRedirects: number;
  /** Most actions (keep, fileinto, redirect...) one message may cause. */
  maxActions: number;
  /** Most commands and tests one run may evaluate, includes counted. */
  maxSteps: number;
  /** Most nested `include`s. */
  maxIncludeDepth: number;
  /** Longest a run may take, in milliseconds. */
  maxRunMs: number;
}

export const defaultSieveLimits: SieveLimits = {
  maxScriptBytes: 256 * 1024,
  maxNesting: 32,
  maxErrors: 20,
  maxRedirects: 4,
  maxActions: 32,
  maxSteps: 100_000,
  maxIncludeDepth: 5,
  maxRunMs: 2000,
};
