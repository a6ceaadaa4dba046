/**
 * V8 flags for the server, set by the packaged executable (its SEA `execArgv`) and by the
 * benchmark's launch; `npm start` in package.json repeats them. A young generation of 1 MB
 * semi-spaces instead of up to 16 MB keeps about 8 MB off the idle RSS (docs/performance.md);
 * the cost is more frequent, and very short, scavenges.
 */
export const NODE_FLAGS = ['--max-semi-space-size=1'];
