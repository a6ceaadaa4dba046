import { main } from '../cli/main.ts';

// The entry of the packaged executable: a SEA main script is CommonJS, so no top-level await.
void main(process.argv).then((code) => {
  process.exitCode = code;
});
