// Preloaded (`node --require`) into a CLI process that bench/cliProcess.ts measures: at exit, the
// process's peak RSS goes to fd 3, a pipe the bench opened, apart from the command's own output.
import * as fs from 'node:fs';

process.on('exit', () => {
  try {
    fs.writeSync(3, JSON.stringify({ maxRssKB: process.resourceUsage().maxRSS }) + '\n');
  } catch {
    // not run by the bench (no fd 3): nothing to report
  }
});
