// Loaded with `node --import bench/rusage-hook.ts …`: at exit, the process's own CPU time and peak RSS
// go to the file named by BENCH_RUSAGE_FILE, so the bench measures exactly the collector process.
import { writeFileSync } from 'node:fs';

const file = process.env['BENCH_RUSAGE_FILE'];
if (file) {
  process.on('exit', () => {
    const usage = process.resourceUsage();
    writeFileSync(file, JSON.stringify({ userUs: usage.userCPUTime, systemUs: usage.systemCPUTime, maxRssKb: usage.maxRSS }));
  });
}
